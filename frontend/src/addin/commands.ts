// The function file (addin/commands.html): the manifest's button opens the
// task pane, so no function is registered; Office.js only needs to start.
import * as office from './office';

void office.loadScript().then(() => office.ready());
