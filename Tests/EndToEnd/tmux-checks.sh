# Shared by the end-to-end scripts: a private tmux server, a scratch HOME, and small check helpers
# over the pane of session "qc". Source it after setting NAME (used in socket and folder names).
SOCK="qc-$NAME-$$"
HOME_DIR=$(mktemp -d "/tmp/qc-$NAME-XXXXXX")
T="tmux -L $SOCK"
PASSES=0 FAILS=0
cleanup() { $T kill-server 2>/dev/null; sleep 0.3; rm -rf "$HOME_DIR" 2>/dev/null || true; }
trap cleanup EXIT

pane() { $T capture-pane -t qc -p -J; }
pass() { PASSES=$((PASSES + 1)); echo "ok   - $1"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL - $1"; echo "----- pane -----"; pane | grep -v '^$' | tail -20; echo "----------------"; }
keys() { $T send-keys -t qc "$@"; sleep 0.3; }
wait_for() { # REGEX [seconds]
    local i
    for i in $(seq 1 $(( ${2:-5} * 10 ))); do
        pane | grep -qE -- "$1" && return 0
        sleep 0.1
    done
    return 1
}
check() { if wait_for "$2" "${3:-5}"; then pass "$1"; else fail "$1 (wanted /$2/)"; fi; }
