// The webpack-dev-server peer of the add-in host benchmark: the peers'
// config (shared/bench-peers/wds/webpack.config.js: trivial entry, static
// folder, HTTPS, hot reload) with the static folder, certificate and port
// given by scripts/bench-addinhost.sh, which makes them at run time.
const fs = require("fs");
const path = require("path");
const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run scripts/bench-addinhost.sh`);
  return v;
};
module.exports = {
  mode: "development",
  devtool: "source-map",
  entry: { entry: "./src/index.js" },
  output: { path: path.resolve(__dirname, "dist"), clean: true },
  devServer: {
    host: "127.0.0.1",
    port: Number(process.env.BENCH_WDS_PORT || 3000),
    hot: true,
    headers: { "Access-Control-Allow-Origin": "*" },
    static: { directory: need("BENCH_WDS_STATIC") },
    server: {
      type: "https",
      options: {
        key: fs.readFileSync(path.join(need("BENCH_WDS_CERTS"), "key.pem")),
        cert: fs.readFileSync(path.join(need("BENCH_WDS_CERTS"), "cert.pem")),
      },
    },
  },
};
