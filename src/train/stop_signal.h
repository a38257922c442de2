// Ctrl-C / SIGTERM during training: the handler only sets a flag; the loop sees it between steps,
// saves a checkpoint and returns. A second signal restores the default action (kill at once).
#pragma once

namespace guardian::train {

void install_stop_handlers();
bool stop_requested();
void clear_stop_request();  // tests and repeated runs in one process

}  // namespace guardian::train
