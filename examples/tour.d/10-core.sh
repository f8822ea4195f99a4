# Core: timers, io on a pipe, a signal, a child process and a CondVar, on both backends.
set -euo pipefail
section "core: timers, io on a pipe, a signal, a child process and a CondVar (asio backend)"
"$AE_TOUR_BIN/examples/core_tour/core_tour"
section "the same on the libuv backend (AE_MODEL=uv)"
AE_MODEL=uv "$AE_TOUR_BIN/examples/core_tour/core_tour"
