// The peer's trivial entry: webpack-dev-server needs something to bundle.
console.log("task pane");
