#!/usr/bin/env bash
# Drives the line-editor-demo binary inside tmux and checks what a user would see.
# Usage: tmux-check.sh [path/to/line-editor-demo]   (default: $DEMO or ./.build/debug/line-editor-demo)
# Note: capture-pane trims trailing spaces, so patterns never end in a space.
# Needs tmux. Uses its own tmux server socket and a throw-away XDG_STATE_HOME.
set -u
DEMO=${1:-${DEMO:-./.build/debug/line-editor-demo}}
[ -x "$DEMO" ] || { echo "demo binary not found: $DEMO" >&2; exit 2; }
DEMO=$(cd "$(dirname "$DEMO")" && pwd)/$(basename "$DEMO")
command -v tmux >/dev/null || { echo "tmux not installed" >&2; exit 2; }

SOCK="le-check-$$"
STATE=$(mktemp -d /tmp/le-tmux-state-XXXXXX)
T="tmux -L $SOCK"
FAILS=0
PASSES=0
cleanup() { $T kill-server 2>/dev/null; rm -rf "$STATE"; }
trap cleanup EXIT

pass() { PASSES=$((PASSES + 1)); echo "ok   - $1"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL - $1"; echo "----- pane -----"; $T capture-pane -t le -p | grep -v '^$' | tail -15; echo "----------------"; }
pane() { $T capture-pane -t le -p; }
keys() { $T send-keys -t le "$@"; sleep 0.35; }
# wait_for REGEX [seconds]: polls the pane until it matches.
wait_for() {
    local i
    for i in $(seq 1 $(( ${2:-3} * 10 ))); do
        pane | grep -qE -- "$1" && return 0
        sleep 0.1
    done
    return 1
}
check() { if wait_for "$2"; then pass "$1"; else fail "$1 (wanted /$2/)"; fi; }

start() {
    # After the demo exits: report the status and tty modes, then echo pasted bytes visibly.
    $T kill-server 2>/dev/null
    local i
    for i in $(seq 1 30); do $T has-session 2>/dev/null || break; sleep 0.1; done
    sleep 0.2
    $T new-session -d -s le -x 80 -y 30 \
        "env XDG_STATE_HOME='$STATE' TERM=xterm-256color $1 '$DEMO'; echo EXITED rc=\$?; stty -a | tr ' ;' '\n\n' | grep -xE -- '-?(isig|icanon|echo)' | tr '\n' ' '; echo; cat -v"
    wait_for 'qwen' 5 || { echo "demo did not start"; pane; exit 1; }
}

# --- run 1 ---------------------------------------------------------------------------------
start "LANG=C LC_ALL=C"   # non-UTF-8 environment: the editor must fall back to C.UTF-8

keys "你好世界"
keys Left Left
keys "🙂X"
check "CJK + emoji inserted mid-line" 'qwen ❯ 你好🙂X世界'
cur=$($T display -t le -p '#{cursor_x}')
if [ "$cur" = 14 ]; then pass "cursor column after wide chars (14)"; else fail "cursor column after wide chars: $cur != 14"; fi
keys Enter
check "UTF-8 line returned intact" 'GOT\[6\]: 你好🙂X世界'

keys "/mo" Tab
check "Tab completes /mo -> /model" 'qwen ❯ /model$'
cur=$($T display -t le -p '#{cursor_x}')
if [ "$cur" = 14 ]; then pass "cursor after the completion's space (14)"; else fail "cursor after completion: $cur != 14"; fi
keys Tab
check "second Tab lists model sizes" '72B +32B +14B +7B +3B +1\.5B +0\.5B'
keys "1." Tab Enter
check "Tab completes a size" 'GOT\[12\]: /model 1\.5B'

printf 'line one\nline two \\\nline three' > "$STATE/paste.txt"
$T load-buffer -b p "$STATE/paste.txt"
keys "pre:"
$T paste-buffer -p -b p -t le; sleep 0.4
check "bracketed paste shows the block in the buffer" '^line three$'
keys Enter
check "pasted block returned as one line, verbatim" 'GOT\[34\]: pre:line one\\nline two \\\\nline three'

keys "abc def" Left Left C-c
check "Ctrl-C shows ^C" 'qwen ❯ abc def\^C'
check "Ctrl-C returns .interrupted" '^INTERRUPTED'
keys "after"
keys Enter
check "line after Ctrl-C is clean" 'GOT\[5\]: after'

keys 'first \' Enter
check "continuation prompt (plain)" '^…$'
keys 'second' Enter
check "trailing backslash joins lines" 'GOT\[13\]: first \\nsecond'

keys '"""' Enter 'in block \' Enter '  two' Enter '"""' Enter
check "triple-quote block" 'GOT\[16\]: in block \\\\n  two'

keys "last line of run 1" Enter
keys C-d
check "Ctrl-D on empty line exits" '^EXITED rc=0'
check "terminal sane after exit (isig icanon echo)" '^isig icanon echo'
$T paste-buffer -p -b p -t le; sleep 0.4
if pane | grep -q '\[200~'; then fail "bracketed paste left enabled after exit"; else pass "bracketed paste disabled after exit"; fi

mode=$(stat -c %a "$STATE/qwen-chat/history" 2>/dev/null)
[ "$mode" = 600 ] && pass "history file is 0600" || fail "history file mode: $mode"
mode=$(stat -c %a "$STATE/qwen-chat" 2>/dev/null)
[ "$mode" = 700 ] && pass "history dir is 0700" || fail "history dir mode: $mode"

# --- run 2: history from run 1 --------------------------------------------------------------
start ""
keys Up
check "Up recalls the previous run's last line" 'qwen ❯ last line of run 1$'
keys Up
check "Up recalls a multi-line entry whole (line 1)" 'qwen ❯ in block \\$'
check "Up recalls a multi-line entry whole (line 2)" '^  two$'
keys C-u C-d
check "Ctrl-D exits run 2" '^EXITED rc=0'

echo "# $PASSES passed, $FAILS failed"
[ "$FAILS" = 0 ]
