#ifndef QWEN_CHAT_CLIBEDIT_SHIM_H
#define QWEN_CHAT_CLIBEDIT_SHIM_H

// libedit's native API (per-instance state). `el_set` and `history` are variadic, which Swift
// cannot call, so each call shape we use gets a small fixed-signature inline wrapper here.
#include <stdio.h>
#include <locale.h>
#include <langinfo.h>
#include <string.h>
#include <histedit.h>

typedef char *(*qc_prompt_fn)(EditLine *);
typedef unsigned char (*qc_command_fn)(EditLine *, int);
typedef int (*qc_getc_fn)(EditLine *, wchar_t *);

/// Sets LC_CTYPE from the environment and falls back to C.UTF-8 when the codeset is not UTF-8;
/// otherwise libedit silently drops non-ASCII bytes. Returns 1 when a UTF-8 locale is active.
static inline int qc_setup_utf8_locale(void) {
    setlocale(LC_CTYPE, "");
    const char *cs = nl_langinfo(CODESET);
    if (cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0)) return 1;
    if (setlocale(LC_CTYPE, "C.UTF-8")) return 1;
    if (setlocale(LC_CTYPE, "en_US.UTF-8")) return 1;
    return 0;
}

static inline EditLine *qc_el_init(const char *prog, FILE *in, FILE *out, FILE *err) {
    return el_init(prog, in, out, err);
}
/// The prompt with an ignore character: bytes between two `ignore` chars (escape sequences)
/// are not counted in the prompt width.
static inline int qc_el_set_prompt_esc(EditLine *el, qc_prompt_fn fn, char ignore) {
    return el_set(el, EL_PROMPT_ESC, fn, ignore);
}
static inline int qc_el_set_rprompt_esc(EditLine *el, qc_prompt_fn fn, char ignore) {
    return el_set(el, EL_RPROMPT_ESC, fn, ignore);
}
static inline int qc_el_set_editor(EditLine *el, const char *mode) {
    return el_set(el, EL_EDITOR, mode);
}
static inline int qc_el_set_signal(EditLine *el, int on) { return el_set(el, EL_SIGNAL, on); }
static inline int qc_el_set_history(EditLine *el, History *h) {
    return el_set(el, EL_HIST, history, h);
}
static inline int qc_el_add_function(EditLine *el, const char *name, const char *help, qc_command_fn fn) {
    return el_set(el, EL_ADDFN, name, help, fn);
}
static inline int qc_el_bind(EditLine *el, const char *key, const char *command) {
    return el_set(el, EL_BIND, key, command, NULL);
}
static inline int qc_el_set_clientdata(EditLine *el, void *data) {
    return el_set(el, EL_CLIENTDATA, data);
}
static inline void *qc_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}
static inline int qc_el_set_getc(EditLine *el, qc_getc_fn fn) {
    return el_set(el, EL_GETCFN, fn);
}
static inline int qc_el_use_default_getc(EditLine *el) {
    return el_set(el, EL_GETCFN, EL_BUILTIN_GETCFN);
}
static inline int qc_el_set_unbuffered(EditLine *el, int on) { return el_set(el, EL_UNBUFFERED, on); }
static inline int qc_el_prep_term(EditLine *el, int on) { return el_set(el, EL_PREP_TERM, on); }
/// Reads ~/.editrc (or $EDITRC) so the user's bindings, vi mode among them, apply.
static inline int qc_el_source_default(EditLine *el) { return el_source(el, NULL); }


/* --- Added for LineEditor --------------------------------------------------------------- */
#include <signal.h>
#include <termios.h>
#include <unistd.h>

/// The C standard streams (Swift 6 treats the `stdin`/`stdout` globals as unsafe mutable state).
static inline FILE *qc_stdin(void) { return stdin; }
static inline FILE *qc_stdout(void) { return stdout; }
static inline FILE *qc_stderr(void) { return stderr; }

/// Binds in the alternate (vi command-mode) key map too; harmless in emacs mode.
static inline int qc_el_bind_alt(EditLine *el, const char *key, const char *command) {
    return el_set(el, EL_BIND, "-a", key, command, NULL);
}
/// Turns ISIG off in libedit's *edit* mode only: while el_gets runs, Ctrl-C/Ctrl-Z/Ctrl-\ reach
/// libedit as keys (0x03/0x1a/0x1c) instead of raising signals. Cooked mode is untouched.
static inline int qc_el_setty_edit_noisig(EditLine *el) {
    return el_set(el, EL_SETTY, "-d", "-isig", NULL);
}
static inline int qc_el_refresh(EditLine *el) { return el_set(el, EL_REFRESH); }
static inline int qc_el_get_editmode(EditLine *el) {
    int on = 0; if (el_get(el, EL_EDITMODE, &on) != 0) return 0; return on;
}
static inline int qc_el_winsert(EditLine *el, const wchar_t *s) { return el_winsertstr(el, s); }
static inline void qc_el_wpush(EditLine *el, const wchar_t *s) { el_wpush(el, s); }
static inline int qc_el_wgetc(EditLine *el, wchar_t *c) { return el_wgetc(el, c); }
/// 1 when the key maps are vi's (e.g. `bind -v` in ~/.editrc).
static inline int qc_el_editor_is_vi(EditLine *el) {
    const char *mode = NULL;
    if (el_get(el, EL_EDITOR, &mode) != 0 || mode == NULL) return 0;
    return strcmp(mode, "vi") == 0;
}
static inline int qc_raise_tstp(void) { return raise(SIGTSTP); }
#include <sys/ioctl.h>
extern int wcwidth(wchar_t c);
/// Terminal columns of one character (-1 for non-printable).
static inline int qc_wcwidth(wchar_t c) { return wcwidth(c); }
/// Columns of the terminal on `fd`, or 0 when unknown.
static inline int qc_terminal_width(int fd) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0) return ws.ws_col;
    return 0;
}

static inline History *qc_history_init(void) { return history_init(); }
static inline int qc_history_setsize(History *h, int size) {
    HistEvent ev; return history(h, &ev, H_SETSIZE, size);
}
static inline int qc_history_setunique(History *h, int on) {
    HistEvent ev; return history(h, &ev, H_SETUNIQUE, on);
}
static inline int qc_history_enter(History *h, const char *line) {
    HistEvent ev; return history(h, &ev, H_ENTER, line);
}
static inline int qc_history_clear(History *h) {
    HistEvent ev; return history(h, &ev, H_CLEAR);
}

#endif
