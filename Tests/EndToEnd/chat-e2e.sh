#!/usr/bin/env bash
# End-to-end: drives the real qwen-chat binary in tmux against the replica Space and checks what a
# user sees. Needs: QWEN_CHAT_BINARY, QWEN_CHAT_TEST_REPLICA_URL, QWEN_CHAT_TEST_REPLICA_LOG
# (scripts/test sets them), QWEN_CHAT_TEST_SPACE_HOST_URL and HF_ENDPOINT (harness/fake_hub.py, for
# /space), tmux, and python3 for reading JSON.
set -u
BIN=${QWEN_CHAT_BINARY:?set QWEN_CHAT_BINARY}
URL=${QWEN_CHAT_TEST_REPLICA_URL:?set QWEN_CHAT_TEST_REPLICA_URL}
LOG=${QWEN_CHAT_TEST_REPLICA_LOG:?set QWEN_CHAT_TEST_REPLICA_LOG}
command -v tmux >/dev/null || { echo "tmux not installed" >&2; exit 2; }

NAME=e2e
source "$(dirname "${BASH_SOURCE[0]}")/tmux-checks.sh"
last_request() { tail -n 1 "$LOG" | python3 -c "import json,sys; r=json.load(sys.stdin); print(json.dumps(r['$1'], ensure_ascii=False))"; }

# A shell in tmux runs the chat; after it exits the shell reports the exit code and tty modes.
start_chat() { # [URL]
    $T kill-server 2>/dev/null; sleep 0.2
    $T new-session -d -s qc -x 100 -y 40 "env -u NO_COLOR -u VISUAL EDITOR='$HOME_DIR/editor.sh' HF_ENDPOINT='${HF_ENDPOINT:-http://127.0.0.1:9}' HOME='$HOME_DIR' XDG_STATE_HOME='$HOME_DIR/state' XDG_DATA_HOME='$HOME_DIR/data' TERM=xterm-256color LANG=C.UTF-8 bash --norc --noprofile"
    $T set-option -t qc -g set-clipboard on 2>/dev/null
    keys "clear; '$BIN' --url '${1:-$URL}'; echo EXITED rc=\$?; stty -a | tr ' ;' '\n\n' | grep -xE -- '-?(isig|icanon|echo)' | tr '\n' ' '; echo" Enter
    wait_for 'Ctrl-D to leave' 10 || { fail "chat did not start"; exit 1; }
}

# The editor for /edit: records the file it was given (path, its mode and its directory's mode),
# then writes a message numbered by how often it ran.
cat > "$HOME_DIR/editor.sh" <<EOF
#!/bin/sh
n=\$(( \$(wc -l < "$HOME_DIR/editor.log") + 1 ))
echo "\$1 \$(stat -c %a "\$1") \$(stat -c %a "\$(dirname "\$1")")" >> "$HOME_DIR/editor.log"
printf 'edited message %s\n' "\$n" > "\$1"
EOF
chmod +x "$HOME_DIR/editor.sh"
: > "$HOME_DIR/editor.log"

# --- run 1 -----------------------------------------------------------------------------------
start_chat
title_before=$($T display -t qc -p '#{pane_title}')

keys "first run line 你好" Enter
check "reply to a CJK message streams in" 'you said «first run line 你好»'

keys "/system Answer like a pirate 🏴‍☠️." Enter
check "/system confirms" 'system prompt set'
keys "ahoy there" Enter
check "reply uses the new system prompt" 'System: Answer like a pirate'
sys=$(last_request system); hist=$(last_request history); q=$(last_request query)
[ "$sys" = '"Answer like a pirate 🏴‍☠️."' ] && pass "replica received exactly the system prompt" || fail "replica system prompt: $sys"
[ "$hist" = '[]' ] && pass "replica received an empty history (only the latest turn)" || fail "replica history: $hist"
[ "$q" = '"ahoy there"' ] && pass "replica received only the latest user turn" || fail "replica query: $q"

printf 'line one\nline two\nline three' > "$HOME_DIR/paste.txt"
$T load-buffer -b p "$HOME_DIR/paste.txt"
$T paste-buffer -p -b p -t qc; sleep 0.4
keys Enter
check "pasted three-line block is sent as one turn" 'you said «line one' 
q=$(last_request query)
[ "$q" = '"line one\nline two\nline three"' ] && pass "replica received the pasted block as one message" || fail "pasted query: $q"

keys "TRIGGER_SLOW please" Enter
check "slow reply starts" 'slow3' 10
keys C-c
check "Ctrl-C mid-reply marks the reply interrupted" '\(interrupted; the partial reply is kept\)'
check "prompt is back after Ctrl-C" '^72B› $'
keys "/history" Enter
check "/history shows the partial reply" 'slow2 slow3'
journal=$(ls "$HOME_DIR"/data/qwen-chat/sessions/*.jsonl 2>/dev/null | head -n 1)
if [ -n "$journal" ] && grep -q '"status":"interrupted","text":"slow0 slow1 slow2' "$journal"; then
    pass "session file keeps the partial reply, marked interrupted"
else
    fail "session file lacks the interrupted partial reply ($journal)"
fi
perms=$(stat -c %a "$journal" 2>/dev/null); [ "$perms" = 600 ] && pass "session file is 0600" || fail "session file mode $perms"

keys "TRIGGER_MARKDOWN" Enter
check "markdown reply: code block text exact" '^    return x \* 2  # 二倍$'
check "markdown reply: heading rendered without #" '^Quick sort 快速排序$'
check "markdown reply: bold and inline code without markers" '^Here is bold and inline code:$'
check "markdown reply: bullets rendered" '^• item two$'
pane | grep -qE '\*\*|```|^# ' && fail "markdown markers left on screen" || pass "no **, fence or # heading markup on screen"
check "injection shown visibly, not executed" 'Sneaky:␛\]0;pwned␇ clear:␛\[2J copy:␛\]52;c;cHduZWQ=␇ done\.'
pane | grep -q 'first run line 你好' && pass "screen was not cleared by the reply" || fail "screen was cleared"
title_after=$($T display -t qc -p '#{pane_title}')
[ "$title_after" = "$title_before" ] && pass "pane title unchanged ($title_after)" || fail "pane title changed: '$title_before' -> '$title_after'"
buffers=$($T list-buffers -F '#{buffer_name}:#{buffer_sample}' 2>/dev/null | grep -v '^p:' | grep -c . )
[ "$buffers" = 0 ] && pass "nothing written to the clipboard" || fail "clipboard buffers: $($T list-buffers)"
keys "/copy code" Enter
check "/copy code reports the block" 'copied code block 1 of 1'
got=$($T show-buffer 2>/dev/null)
[ "$got" = $'def f(x):\n    return x * 2  # 二倍' ] && pass "/copy code put the raw code, without fences, on the clipboard" || fail "/copy code clipboard: '$got'"
keys "/copy" Enter
check "/copy reports the reply" 'copied the last reply'
got=$($T show-buffer 2>/dev/null)
want=$(printf '# Quick sort 快速排序\nHere is **bold** and `inline code`:\n```python\ndef f(x):\n    return x * 2  # 二倍\n```\n- item one\n- item two\nSneaky:\033]0;pwned\007 clear:\033[2J copy:\033]52;c;cHduZWQ=\007 done.')
[ "$got" = "$want" ] && pass "/copy put the exact raw reply on the clipboard" || fail "/copy clipboard differs: $(printf %s "$got" | od -c | head -3)"

# A model that thinks: the reasoning streams dimmed under a Thinking line, folds to one line when
# the answer starts, and /thinking prints it in full; the answer never holds the tags.
keys "TRIGGER_THINK_SLOW" Enter
check "the reasoning streams under a Thinking line" 'Thinking…' 5
check "…its lines show while it streams" '^  The user asks for 2\+2\.' 5
check "the reasoning folds to one line when the answer starts" '^▸ Thought for [0-9]+\.[0-9] s · 10 words$' 10
check "the answer follows it" '^The answer is 4\.$' 10
pane | grep -q 'think>' && fail "a <think> tag reached the screen" || pass "no <think> tag on the screen"
pane | grep -qE '^  Two and two make four\.$' && fail "the reasoning window stayed on the screen" || pass "the reasoning window was folded away"
keys "/thinking" Enter
check "/thinking prints the reasoning in full" '^Two and two make four\.$'

keys "TRIGGER_DOCUMENT" Enter
check "document reply ends with rendered link" '^Done: italic, code, a link https://example\.com\.$' 10
$T capture-pane -t qc -p -J -e > "$HOME_DIR/document.txt"
while read -r line; do
    case "$line" in "ok   - "*) pass "${line#ok   - }" ;; *) fail "${line#FAIL - }" ;; esac
done < <(python3 "$(dirname "${BASH_SOURCE[0]}")/check-rendered.py" "$HOME_DIR/document.txt")
# Resizing while a long live line streams: the reply is still drawn once.
keys "TRIGGER_SLOW **resize** me" Enter
check "slow reply streams before the resize" 'slow12 ' 15
$T resize-window -t qc -x 61 2>/dev/null; sleep 0.6
$T resize-window -t qc -x 100 2>/dev/null
check "slow reply streams after the resize" 'slow30 ' 15
keys C-c
check "prompt is back after the resized reply" '^72B› $'
n=$(pane | grep -oE 'slow(10|25) ' | sort | uniq -c | awk '{print $1}' | tr '\n' ' ')
[ "$n" = "1 1 " ] && pass "the resized live reply is drawn once (slow10 and slow25 once each)" || fail "slow10/slow25 counts after resize: '$n'"
keys C-d
check "Ctrl-D exits with status 0" 'EXITED rc=0'
check "terminal modes restored (isig icanon echo)" '^isig icanon echo $'
[ "$($T display -t qc -p '#{cursor_flag}')" = 1 ] && pass "cursor visible after exit" || fail "cursor hidden after exit"

# --- run 2: history survives a restart -------------------------------------------------------
start_chat
keys Up
check "Up recalls the previous run's last line" '^(72B)?› TRIGGER_SLOW \*\*resize\*\* me$'
keys C-u "/edit" Enter
check "/edit sends what the editor wrote" 'you said «edited message 1»'
keys "/edit" Enter
check "a second /edit sends the second message" 'you said «edited message 2»'
read -r path1 file1 dir1 < <(sed -n 1p "$HOME_DIR/editor.log")
read -r path2 _ _ < <(sed -n 2p "$HOME_DIR/editor.log")
if [ -n "$path1" ] && [ "$path1" != "$path2" ] && [ "$(dirname "$path1")" != "$(dirname "$path2")" ] \
    && ! [[ "$path1" =~ /qwen-chat-message-[0-9]+\.md$ ]] && [ "$(dirname "$path1")" != "${TMPDIR:-/tmp}" ]; then
    pass "editor file is at an unpredictable path in its own directory ($path1)"
else
    fail "editor file paths are predictable: '$path1', '$path2'"
fi
[ "$file1" = 600 ] && pass "editor file is 0600" || fail "editor file mode $file1"
[ "$dir1" = 700 ] && pass "editor file's directory is 0700" || fail "editor directory mode $dir1"
if [ -n "$path1" ] && [ ! -e "$path1" ] && [ ! -e "$(dirname "$path1")" ] && [ ! -e "$path2" ] && [ ! -e "$(dirname "$path2")" ]; then
    pass "editor files and their directories are removed"
else
    fail "editor leftovers: $(ls -ld "$path1" "$(dirname "$path1")" "$path2" "$(dirname "$path2")" 2>&1 | tr '\n' ' ')"
fi
# Opt-in memory: off by default; /context on sends this run's earlier turns as history.
keys "/context" Enter
check "/context says it is off by default" '^context: off \(only the system prompt'
keys "/context on" Enter
check "/context on confirms" '^context on: the last 10 earlier turns'
keys "memory two" Enter
check "reply with context on" 'you said «memory two»'
hist=$(last_request history)
python3 -c 'import json,sys; h=json.loads(sys.argv[1]); sys.exit(0 if [p[0] for p in h] == ["edited message 1", "edited message 2"] and "you said «edited message 2»" in h[1][1] else 1)' "$hist" \
    && pass "replica received the two earlier turns, with their replies, as history" || fail "replica history with context on: $hist"
keys "/info" Enter
check "/info says context is on" '^context: on \(the last 10 earlier turns'
grep -h '"user":"memory two"' "$HOME_DIR"/data/qwen-chat/sessions/*.jsonl | grep -q '"context":2' \
    && pass "the journal's turn line records 2 earlier turns sent" || fail "journal context: $(grep -h 'memory two' "$HOME_DIR"/data/qwen-chat/sessions/*.jsonl)"
keys "/context off" Enter
keys "memory three" Enter
check "reply with context off again" 'you said «memory three»'
hist=$(last_request history)
[ "$hist" = '[]' ] && pass "after /context off the history is empty again" || fail "history after /context off: $hist"
# /space: a Space of harness/fake_hub.py that sleeps until its host is asked; the transcript stays.
if [ -n "${QWEN_CHAT_TEST_SPACE_HOST_URL:-}" ]; then
    sp="test/drowsy-e2e$$"
    keys "/space $sp $QWEN_CHAT_TEST_SPACE_HOST_URL/$sp" Enter
    check "/space switches to the named Space" "^space: $sp \\(http"
    keys "after the switch" Enter
    check "the status line says the Space is asleep" "is asleep; waking it up" 10
    check "the woken Space answers" 'Echo: after the switch' 30
    keys "/info" Enter
    check "the transcript from before the switch is kept" '^transcript: 5 turns'
    keys "/space" Enter
    check "/space alone shows the Space and its URL" "^space: $sp \\(http://127"
else
    fail "QWEN_CHAT_TEST_SPACE_HOST_URL is not set (scripts/test starts harness/fake_hub.py)"
fi
keys "/quit" Enter
check "/quit exits with status 0" 'EXITED rc=0'
hist_perms=$(stat -c %a "$HOME_DIR/state/qwen-chat/history" 2>/dev/null)
[ "$hist_perms" = 600 ] && pass "history file is 0600" || fail "history file mode $hist_perms"

# The Space's config is read while the user types: /info and /model know the Space before any turn.
if [ -n "${QWEN_CHAT_TEST_SHAPES5_URL:-}" ]; then
    start_chat "$QWEN_CHAT_TEST_SHAPES5_URL/maxdemo"
    for _ in $(seq 20); do
        keys "/info" Enter
        pane | grep -q 'max_chat = fn_index' && break
        sleep 0.5
    done
    check "/info names the Space's endpoint before the first turn" 'max_chat = fn_index'
    keys "/model 7B" Enter
    check "/model knows before the first turn that the Space has no model choice" "no model choice"
    check "the prompt names no model on a Space without a model choice" '^› $'
    keys "hello maxdemo" Enter
    check "the first turn is answered" 'you said «hello maxdemo»'
    keys "/quit" Enter
    check "/quit exits with status 0" 'EXITED rc=0'
else
    fail "QWEN_CHAT_TEST_SHAPES5_URL is not set (scripts/test starts the shapes servers)"
fi

# Qwen/Qwen3-Demo's layout from its URL alone: its models, its default, its reasoning.
if [ -n "${QWEN_CHAT_TEST_QWEN3DEMO_URL:-}" ]; then
    start_chat "$QWEN_CHAT_TEST_QWEN3DEMO_URL"
    for _ in $(seq 20); do
        keys "/model" Enter
        pane | grep -q 'qwen3-0.6b' && break
        sleep 0.5
    done
    check "/model lists the Space's eight models" 'model: qwen3-235b-a22b \(the Space.s own\) \(choices: qwen3-235b-a22b qwen3-32b qwen3-30b-a3b qwen3-14b qwen3-8b qwen3-4b qwen3-1.7b qwen3-0.6b\)'
    keys "hello qwen3" Enter
    check "the reasoning folds to one line" '^▸ Thought for [0-9.]+ s · [0-9]+ words$' 10
    check "the answer comes from the Space's default model" '^Echo from qwen3-235b-a22b: you said «hello qwen3»' 10
    check "the prompt names the Space's model" '^qwen3-235b-a22b› $'
    pane | grep -q 'Qwen2.5' && fail "Qwen2.5 named on the Qwen3 Space" || pass "Qwen2.5 is named nowhere"
    keys "/think off" Enter
    keys "/think budget 5" Enter
    check "/think says what the next turns ask for" 'think: off; budget: 5'
    keys "quiet qwen3" Enter
    check "the answer comes without reasoning" '^Echo from qwen3-235b-a22b: you said «quiet qwen3»' 10
    q3=$(tail -n 1 "${QWEN_CHAT_TEST_QWEN3DEMO_LOG:-/dev/null}" 2>/dev/null)
    case "$q3" in
        *'"thinking": false'*'"thinking_budget": 5'* | *'"thinking_budget": 5'*'"thinking": false'*) pass "the Space was asked not to think, with a budget of 5" ;;
        *) fail "the Space's log: $q3" ;;
    esac
    keys "/quit" Enter
    check "/quit exits with status 0" 'EXITED rc=0'
else
    fail "QWEN_CHAT_TEST_QWEN3DEMO_URL is not set (scripts/test starts harness/qwen3_demo)"
fi

# Two replicas behind a load balancer with cookie affinity: ten REPL turns, each the exact echo.
if [ -n "${QWEN_CHAT_TEST_BALANCER_URL:-}" ]; then
    start_chat "$QWEN_CHAT_TEST_BALANCER_URL"
    answered=0
    for i in $(seq 1 10); do
        keys "balanced turn $i" Enter
        wait_for "you said «balanced turn $i»" 10 && answered=$((answered + 1))
    done
    [ "$answered" = 10 ] && pass "ten REPL turns behind the cookie-affinity balancer answer (10 of 10)" || fail "behind the balancer: $answered of 10 turns answered"
    pane | grep -q "Session not found\|lost the session" && fail "a turn lost its session behind the balancer" || pass "no turn lost its session behind the balancer"
    keys C-d
    check "the chat behind the balancer exits 0" 'EXITED rc=0' 10
else
    fail "QWEN_CHAT_TEST_BALANCER_URL is not set (scripts/test starts harness/affinity_balancer.py)"
fi

# Gradio's login in the REPL: --auth USER asks for the password on the terminal, without echo;
# the password is on no screen and in no file the chat writes (history, sessions).
if [ -n "${QWEN_CHAT_TEST_AUTH_URL:-}" ]; then
    AUTH_LOGIN=${QWEN_CHAT_TEST_AUTH_LOGIN:-qwen:open sesame:42}
    AUTH_USER=${AUTH_LOGIN%%:*} AUTH_PASS=${AUTH_LOGIN#*:}
    $T kill-server 2>/dev/null; sleep 0.2
    $T new-session -d -s qc -x 100 -y 40 "env -u QWEN_CHAT_AUTH HOME='$HOME_DIR' XDG_STATE_HOME='$HOME_DIR/state' XDG_DATA_HOME='$HOME_DIR/data' TERM=xterm-256color LANG=C.UTF-8 bash --norc --noprofile"
    keys "'$BIN' --url '$QWEN_CHAT_TEST_AUTH_URL' --auth '$AUTH_USER'; echo AUTH-DONE rc=\$?" Enter
    check "--auth USER asks for the password on the terminal" "password for $AUTH_USER at 127\.0\.0\.1" 10
    $T send-keys -t qc -l "$AUTH_PASS"; keys Enter
    check "with the password the chat starts" 'Ctrl-D to leave' 10
    keys "behind the login" Enter
    check "a turn in the REPL behind the login answers" 'you said «behind the login»' 10
    keys "/info" Enter; sleep 0.5
    keys C-d
    check "the chat behind the login exits 0" '^AUTH-DONE rc=0' 10
    $T capture-pane -t qc -p -J -S - | grep -qF "$AUTH_PASS" && fail "the password is on the screen" || pass "the password is not on the screen"
    leaked=$(grep -rlF "$AUTH_PASS" "$HOME_DIR" 2>/dev/null)
    [ -z "$leaked" ] && pass "the password is in no file the chat wrote" || fail "the password is in $leaked"
else
    fail "QWEN_CHAT_TEST_AUTH_URL is not set (scripts/test starts the replica behind a login)"
fi

# A reply taller than the screen is in the scrollback once (what scrolled off while it was live
# is final, never drawn again), also when its look changes at the end (an emphasis closes): 100x40,
# 80x24, and 80x24 made 64 columns wide mid-reply.
HARNESS_DIR="$(dirname "${BASH_SOURCE[0]}")/../../harness"
python3 -c 'import ast,sys
v = {n.targets[0].id: ast.literal_eval(n.value) for n in ast.parse(open(sys.argv[1]).read()).body
     if isinstance(n, ast.Assign) and n.targets[0].id in ("LONG_FILLER", "TOKEN_CHARS", "TALL_END")}
sys.stdout.write((v["LONG_FILLER"] * 200)[: 1600 * v["TOKEN_CHARS"]] + v["TALL_END"].replace("**", ""))' "$HARNESS_DIR/scripted_model.py" > "$HOME_DIR/long.want"
tall_reply() { # COLS ROWS [COLS-AFTER-A-RESIZE]
    $T kill-server 2>/dev/null; sleep 0.2
    $T new-session -d -s qc -x "$1" -y "$2" "env -u NO_COLOR HOME='$HOME_DIR' XDG_STATE_HOME='$HOME_DIR/state' XDG_DATA_HOME='$HOME_DIR/data' TERM=xterm-256color LANG=C.UTF-8 bash --norc --noprofile"
    keys "'$BIN' --url '$URL' 'TRIGGER_TALL 1600'; echo LONG-DONE rc=\$?" Enter
    if [ -n "${3:-}" ]; then
        wait_for 'lazy dog\. The quick brown fox' 10 && sleep 2
        $T resize-window -t qc -x "$3" 2>/dev/null
    fi
    wait_for "^LONG-DONE rc=0" 60 || { echo "FAIL - the long reply at $1x$2 did not finish"; return; }
    $T capture-pane -t qc -p -J -S - > "$HOME_DIR/long.pane"
    python3 - "$HOME_DIR/long.want" "$HOME_DIR/long.pane" "$1x$2${3:+ then $3 columns}" <<'PY'
import sys
want = open(sys.argv[1], encoding="utf-8").read().strip()
pane = open(sys.argv[2], encoding="utf-8").read()
where = sys.argv[3]
# Rows joined by -J lose the spaces at a wrap; compare without spaces.
flat_want, flat_pane = want.replace(" ", ""), pane.replace(" ", "").replace("\n", "")
n, foxes = flat_pane.count(flat_want), flat_pane.count("brownfox")
if n == 1 and foxes == flat_want.count("brownfox"):
    print(f"ok   - a reply taller than the screen is in the scrollback once ({where})")
else:
    print(f"FAIL - {where}: the reply found {n} times, {foxes} foxes (want 1 and {flat_want.count('brownfox')})")
PY
}
for args in "100 40" "80 24" "80 24 64"; do
    while read -r line; do
        case "$line" in "ok   - "*) pass "${line#ok   - }" ;; *) fail "${line#FAIL - }" ;; esac
    done < <(tall_reply $args)
done

# Piped output is the exact reply, whatever --markdown says: rendering is for terminals only.
HARNESS="$(dirname "${BASH_SOURCE[0]}")/../../harness/scripted_model.py"
python3 -c 'import ast,sys
for n in ast.parse(open(sys.argv[1]).read()).body:
    if isinstance(n, ast.Assign) and n.targets[0].id == "DOCUMENT_REPLY": sys.stdout.write(ast.literal_eval(n.value) + "\n")' "$HARNESS" > "$HOME_DIR/document.want"
"$BIN" --url "$URL" --markdown always "TRIGGER_DOCUMENT piped" | cat > "$HOME_DIR/document.got"
cmp -s "$HOME_DIR/document.want" "$HOME_DIR/document.got" && pass "piped output is byte-identical to the reply (--markdown always)" \
    || fail "piped output differs: $(diff "$HOME_DIR/document.want" "$HOME_DIR/document.got" | head -5)"

echo "chat-e2e: $PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
