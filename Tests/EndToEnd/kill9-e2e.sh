#!/usr/bin/env bash
# End-to-end: the interactive qwen-chat in tmux against harness/fault_server.py, killed with
# SIGKILL in the middle of a slow reply. The session journal must still parse (checked by
# SessionJournal.transcript in FaultTests' KilledSessionJournalTests) with the finished turns
# and a non-empty partial of the current one.
# Needs: QWEN_CHAT_BINARY, QWEN_CHAT_TEST_FAULT_URL, tmux, and built tests (swift test) under
# QWEN_CHAT_SCRATCH_PATH (default .build).
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN=${QWEN_CHAT_BINARY:?set QWEN_CHAT_BINARY}
URL=${QWEN_CHAT_TEST_FAULT_URL:?set QWEN_CHAT_TEST_FAULT_URL}
SCRATCH=${QWEN_CHAT_SCRATCH_PATH:-$ROOT/.build}
command -v tmux >/dev/null || { echo "tmux not installed" >&2; exit 2; }
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"

NAME=kill9
source "$ROOT/Tests/EndToEnd/tmux-checks.sh"
finish() { echo "kill9-e2e: $PASSES passed, $FAILS failed"; ((FAILS == 0)); exit $?; }

tag="k$$"
first="first turn $tag"
second="second turn $tag"
slow="FAULT_SLOW $tag"

$T new-session -d -s qc -x 100 -y 40 "env -u NO_COLOR -u HF_TOKEN -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy HF_ENDPOINT='${HF_ENDPOINT:-http://127.0.0.1:9}' HOME='$HOME_DIR' XDG_STATE_HOME='$HOME_DIR/state' XDG_DATA_HOME='$HOME_DIR/data' TERM=xterm-256color LANG=C.UTF-8 bash --norc --noprofile"
keys "clear; exec '$BIN' --url '$URL' --idle-timeout 10" Enter
wait_for 'Ctrl-D to leave' 10 || { fail "chat did not start"; finish; }
chat_pid=$($T display -t qc -p '#{pane_pid}')

keys "$first" Enter
check "first reply completes" "Echo: $first" 10
keys "$second" Enter
check "second reply completes" "Echo: $second" 10
keys "$slow" Enter
check "slow reply streams" 'slow8 ' 15
sleep 0.8   # past the journal's flush interval (0.25 s), still mid-reply (about 30 s in all)
if pane | grep -q 'slow299'; then fail "the slow reply finished before the kill"; fi
kill -KILL "$chat_pid" 2>/dev/null && pass "qwen-chat killed with SIGKILL mid-reply" || fail "could not kill qwen-chat ($chat_pid)"
sleep 0.3

journal=$(ls "$HOME_DIR"/data/qwen-chat/sessions/*.jsonl 2>/dev/null | head -n 1)
if [ -n "$journal" ]; then pass "a session file exists"; else fail "no session file under $HOME_DIR/data"; finish; fi
grep -q '"text":"slow0' "$journal" && pass "the partial slow reply reached the disk" || fail "no partial reply text in $journal"

# SessionJournal.transcript(from:) itself, through the built FaultTests.
out=$(QWEN_CHAT_TEST_KILL9_JOURNAL="$journal" QWEN_CHAT_TEST_KILL9_TURNS="$first"$'\n'"$second"$'\n'"$slow" \
    timeout 300 swift test --skip-build --scratch-path "$SCRATCH" --filter 'KilledSessionJournalTests' 2>&1)
if echo "$out" | grep -q 'Test run with 1 test .*passed'; then
    pass "SessionJournal.transcript reads the killed session: 2 finished turns and a partial third"
else
    fail "SessionJournal.transcript check"
    echo "$out" | grep -E '✘|Expectation|error' | head -n 10
    echo "--- journal ---"; head -c 1500 "$journal"; echo
fi
finish
