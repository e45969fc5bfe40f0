// The function file (addin/commands.html). On the desktop the ribbon button
// opens the task pane and nothing here runs; on Outlook for iOS and Android
// the online-meeting button runs FUNCTION_NAME ('vmrcAddVideoMeeting', the
// manifest's FunctionName), which adds a video meeting without a pane.
import * as office from './office';
import { addVideoMeeting, FUNCTION_NAME } from './mobile';

void (async () => {
  await office.loadScript();
  office.associate(FUNCTION_NAME, (event) => {
    // completed() in every path, or Outlook keeps the button spinning.
    void addVideoMeeting(location.search)
      .catch(() => undefined)
      .finally(() => event.completed());
  });
  await office.ready();
})();
