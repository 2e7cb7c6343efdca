#!/usr/bin/env python3
"""qwen-chat benchmarks: the measurements behind `bench/run`. Writes bench/results/latest.json.

Every comparison is a ratio of two measurements taken in the same run, on the same machine.
Targets are printed next to the figures; a missed target never fails the run. A wrong reply
(qwen-chat's output differing from the server's reply text) does: exit status 1.
"""
import argparse
import datetime
import fcntl
import json
import os
import platform
import re
import shlex
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import urllib.request

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
GC_SCRIPT = os.path.join(BENCH, "gradio_client_chat.py")

# Child processes talk to 127.0.0.1 only: no proxy, no analytics, no Hub.
ENV = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
ENV.update(NO_PROXY="*", no_proxy="*", GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", NO_COLOR="1",
           LC_ALL="C.UTF-8")


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def quantile(xs, q):
    xs = sorted(xs)
    if not xs:
        return None
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summary(xs):
    return {"n": len(xs), "median": statistics.median(xs), "mean": statistics.fmean(xs),
            "stdev": statistics.stdev(xs) if len(xs) > 1 else 0.0, "min": min(xs), "max": max(xs),
            "q1": quantile(xs, 0.25), "q3": quantile(xs, 0.75), "values": xs}


def ratio(a, b):
    """a / b from two summaries: ratio of medians, and a conservative IQR range."""
    if not a or not b:
        return None
    return {"median": a["median"] / b["median"], "low": a["q1"] / b["q3"], "high": a["q3"] / b["q1"]}


# --------------------------------------------------------------------------- processes

class Replay:
    """bench/replay_server.py, started for the run and stopped at the end (it also stops itself)."""

    def __init__(self, lifetime, prerender):
        args = [sys.executable, os.path.join(BENCH, "replay_server.py"), "--max-lifetime", str(lifetime)]
        for spec in prerender:
            args += ["--prerender", spec]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=ENV, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"URL (\S+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"replay server did not start: {line!r}")
        self.url = m.group(1)

    def expected(self, events, size):
        with urllib.request.urlopen(f"{self.url}/expected?events={events}&bytes={size}", timeout=60) as r:
            return r.read().decode()

    def expected_markdown(self, lines):
        with urllib.request.urlopen(f"{self.url}/expected?markdown={lines}", timeout=60) as r:
            return r.read().decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Replica:
    """The real Gradio 4.44.1 replica of the Space, via scripts/harness (token delay 0)."""

    def __init__(self):
        out = subprocess.run([os.path.join(ROOT, "scripts", "harness"), "start", "replica", "--token-delay", "0"],
                             capture_output=True, text=True, timeout=180, env=ENV, cwd=ROOT)
        if out.returncode != 0:
            raise RuntimeError(f"harness start failed: {out.stderr[-500:]}")
        self.url, self.pid = out.stdout.split()

    def stop(self):
        subprocess.run([os.path.join(ROOT, "scripts", "harness"), "stop", self.pid], capture_output=True, timeout=30)


def rusage_run(cmd, stdout_path=None, timeout=120):
    """Runs cmd; returns wall seconds, user+sys CPU seconds and max RSS (KiB) of the child, via wait4."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=ENV)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        err = proc.stderr.read()
        _, status, ru = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
        if stdout_path:
            out.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "user": ru.ru_utime, "sys": ru.ru_stime,
            "maxrss_kb": ru.ru_maxrss, "rc": proc.returncode, "stderr": err.decode(errors="replace")[-400:]}


def pty_run(cmd, env, cols=120, rows=40, timeout=120):
    """Runs cmd with stdin and stdout on a pseudo-terminal of cols x rows (stderr on a pipe), draining
    the terminal's output in a thread; returns what rusage_run does plus the bytes drawn."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    drawn = [0]

    def drain():
        while True:
            try:
                data = os.read(master, 1 << 16)
            except OSError:  # EIO: every copy of the terminal's other end is closed
                return
            if not data:
                return
            drawn[0] += len(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=env, start_new_session=True)
    os.close(slave)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        err = proc.stderr.read()
        _, status, ru = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    wall = time.perf_counter() - start
    reader.join(10)
    os.close(master)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "user": ru.ru_utime, "sys": ru.ru_stime,
            "maxrss_kb": ru.ru_maxrss, "rc": proc.returncode, "drawn_bytes": drawn[0],
            "stderr": err.decode(errors="replace")[-400:]}


def hyperfine(commands, runs, warmup, shell=True, timeout=600):
    """Runs hyperfine over {name: command}; returns {name: summary of wall times (s)}."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        export = f.name
    args = ["hyperfine", "--style", "basic", "--export-json", export, "--runs", str(runs), "--warmup", str(warmup)]
    if not shell:
        args.append("-N")
    names = list(commands)
    for name in names:
        args += ["--command-name", name, commands[name]]
    log("hyperfine: " + ", ".join(names) + f" ({runs} runs)")
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=ENV)
    if proc.returncode != 0:
        raise RuntimeError(f"hyperfine failed: {proc.stderr[-800:]}{proc.stdout[-800:]}")
    with open(export) as f:
        data = json.load(f)
    os.unlink(export)
    return {r["command"]: summary(r["times"]) for r in data["results"]}


def join_body(query, session):
    return json.dumps({"data": [query, [], SYSTEM, "72B"], "event_data": None, "fn_index": 3, "trigger_id": 25,
                       "session_hash": session}, ensure_ascii=False)


def curl_command(url, query, session="benchcurl0001", out="/dev/null"):
    """The floor: one curl process, POST /queue/join then GET /queue/data on the same connection, to /dev/null."""
    return (f"curl -sf -X POST -H 'Content-Type: application/json' --data-binary {shlex.quote(join_body(query, session))} "
            f"{url}/queue/join -o /dev/null --next -sfN '{url}/queue/data?session_hash={session}' -o {out}")


def stream_final_text(path):
    """The reply text of the last process_completed event in a captured data stream."""
    text = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("data: ") and '"process_completed"' in line:
                text = json.loads(line[6:])["output"]["data"][1][-1][1]["text"]
    return text


# --------------------------------------------------------------------------- sections

class Bench:
    def __init__(self, args):
        self.args = args
        self.bin = args.binary
        self.gc_python = args.gradio_python
        self.tmp = tempfile.mkdtemp(prefix="qwen-bench-")
        self.results = {"meta": self.meta(), "sections": {}, "errors": [], "correctness": []}
        self.quick = args.quick

    def runs(self, full, quick):
        return quick if self.quick else full

    def meta(self):
        def cmd(c):
            try:
                return subprocess.run(c, capture_output=True, text=True, timeout=60, shell=True).stdout.strip()
            except Exception as e:  # noqa: BLE001
                return f"unknown ({e})"
        cpu = cmd("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-").strip()
        mem = cmd("awk '/MemTotal/{printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
        return {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "nproc": os.cpu_count(), "cpu": cpu, "memory": mem, "kernel": platform.release(),
            "qwen_chat_version": cmd(f"{shlex.quote(self.args.binary)} --version"),
            "swift": cmd("swift --version 2>&1 | head -1"),
            "python": cmd(f"{shlex.quote(self.args.gradio_python)} --version"),
            "gradio_client": cmd(f"{shlex.quote(self.args.gradio_python)} -c 'import gradio_client; print(gradio_client.__version__)'"),
            "hyperfine": cmd("hyperfine --version"), "curl": cmd("curl --version | head -1"),
            "quick": self.args.quick,
        }

    def section(self, name, fn):
        started = time.perf_counter()
        try:
            self.results["sections"][name] = fn()
        except Exception as e:  # noqa: BLE001 - one broken section must not lose the others
            log(f"section {name} failed: {e}")
            self.results["errors"].append({"section": name, "error": str(e)[-1500:]})
        log(f"section {name}: {time.perf_counter() - started:.1f} s")

    def check(self, what, ok, detail=""):
        self.results["correctness"].append({"check": what, "ok": bool(ok), "detail": detail})
        log(f"check {what}: {'ok' if ok else 'FAILED ' + detail}")

    def qwen_cmd(self, url, query):
        return [self.bin, "--url", url, "--idle-timeout", "30", query]

    def gc_cmd(self, url, query, expect=None):
        cmd = [self.gc_python, GC_SCRIPT, url, query]
        return cmd + ["--expect", expect] if expect else cmd

    def verify_qwen(self, url, query, expected, label):
        out = os.path.join(self.tmp, "verify.out")
        r = rusage_run(self.qwen_cmd(url, query), out, timeout=120)
        with open(out, encoding="utf-8", errors="replace") as f:
            got = f.read()
        ok = r["rc"] == 0 and got == expected + "\n"
        detail = "" if ok else f"rc={r['rc']} got {len(got)} chars, expected {len(expected) + 1}; stderr: {r['stderr']}"
        self.check(f"qwen-chat reply == server reply ({label})", ok, detail)
        return ok

    # -- cold start
    def cold_start(self):
        res = hyperfine({"qwen-chat --version": f"{self.bin} --version"}, self.runs(60, 20), 5, shell=False)
        res.update(hyperfine({"python -c 'import gradio_client'": f"{self.gc_python} -c 'import gradio_client'"},
                             self.runs(15, 5), 2, shell=False))
        q, p = res["qwen-chat --version"], res["python -c 'import gradio_client'"]
        return {"qwen_chat": q, "gradio_client_import": p, "speedup": ratio(p, q)}

    # -- end to end against the replay server
    def e2e_replay(self, replay):
        configs = [(10_000, 100_000, True), (100_000, 1_000_000, False)]
        out = []
        for events, size, with_gc in configs:
            query = f"bench REPLAY {events} {size}"
            expected = replay.expected(events, size)
            exp_path = os.path.join(self.tmp, f"expected-{events}.txt")
            with open(exp_path, "w", encoding="utf-8") as f:
                f.write(expected)
            self.verify_qwen(replay.url, query, expected, f"replay {events} events")
            qout = os.path.join(self.tmp, "e2e.out")
            cmds = {
                "qwen-chat": f"{shlex.join(self.qwen_cmd(replay.url, query))} > {qout}",
                "curl (floor)": curl_command(replay.url, query),
            }
            runs = self.runs(15, 5) if events <= 10_000 else self.runs(10, 3)
            res = hyperfine(cmds, runs, 2)
            entry = {"events": events, "bytes": size, "reply_bytes": len(expected.encode()),
                     "qwen_chat": res["qwen-chat"], "curl": res["curl (floor)"],
                     "vs_curl": ratio(res["qwen-chat"], res["curl (floor)"])}
            if with_gc:
                r = rusage_run(self.gc_cmd(replay.url, query, exp_path), os.path.join(self.tmp, "gc.out"), timeout=300)
                self.check(f"gradio_client reply == server reply (replay {events} events)", r["rc"] == 0,
                           f"rc={r['rc']} {r['stderr']}")
                g = hyperfine({"gradio_client": shlex.join(self.gc_cmd(replay.url, query))}, self.runs(5, 2), 0,
                              timeout=900)
                entry["gradio_client"] = g["gradio_client"]
                entry["speedup_vs_gradio_client"] = ratio(g["gradio_client"], res["qwen-chat"])
            else:
                entry["gradio_client"] = None
                entry["gradio_client_note"] = ("not run: gradio_client keeps a deep copy of the whole value for every "
                                               "event (job.outputs), so memory grows with events x reply size "
                                               "(about 50 GB here); see the per-event section")
            out.append(entry)
        return out

    # -- end to end against the real Gradio replica
    def e2e_replica(self):
        n = 1000
        query = f"TRIGGER_LONG {n}"
        replica = Replica()
        try:
            capture = os.path.join(self.tmp, "replica-stream.txt")
            subprocess.run(curl_command(replica.url, query, out=capture), shell=True, timeout=120, env=ENV)
            expected = stream_final_text(capture)
            if expected is None:
                raise RuntimeError("no process_completed in the replica's stream")
            exp_path = os.path.join(self.tmp, "expected-replica.txt")
            with open(exp_path, "w", encoding="utf-8") as f:
                f.write(expected)
            self.verify_qwen(replica.url, query, expected, f"replica TRIGGER_LONG {n}")
            r = rusage_run(self.gc_cmd(replica.url, query, exp_path), None, timeout=120)
            self.check(f"gradio_client reply == server reply (replica TRIGGER_LONG {n})", r["rc"] == 0, r["stderr"])
            qout = os.path.join(self.tmp, "replica.out")
            # The server's own cost dominates and varies: enough runs for a stable median.
            runs = self.runs(21, 5)
            res = hyperfine({
                "qwen-chat": f"{shlex.join(self.qwen_cmd(replica.url, query))} > {qout}",
                "curl (floor)": curl_command(replica.url, query),
                "gradio_client": shlex.join(self.gc_cmd(replica.url, query)),
            }, runs, 1, timeout=600)
            return {"events": n, "reply_bytes": len(expected.encode()), "qwen_chat": res["qwen-chat"],
                    "curl": res["curl (floor)"], "gradio_client": res["gradio_client"],
                    "vs_curl": ratio(res["qwen-chat"], res["curl (floor)"]),
                    "speedup_vs_gradio_client": ratio(res["gradio_client"], res["qwen-chat"])}
        finally:
            replica.stop()

    # -- CPU per event
    def per_event(self, replay):
        def measure(kind, counts, runs_for):
            rows = []
            for events in counts:
                size = max(events * 10, 100)
                query = f"bench REPLAY {events} {size}"
                expected = replay.expected(events, size)
                samples = []
                for i in range(runs_for(events)):
                    if kind == "qwen-chat":
                        out = os.path.join(self.tmp, "pe.out")
                        r = rusage_run(self.qwen_cmd(replay.url, query), out, timeout=120)
                        if i == 0:
                            with open(out, encoding="utf-8", errors="replace") as f:
                                got = f.read()
                            self.check(f"qwen-chat reply == server reply (per-event {events})",
                                       r["rc"] == 0 and got == expected + "\n", f"rc={r['rc']} {r['stderr']}")
                    else:
                        exp_path = os.path.join(self.tmp, "pe-expected.txt")
                        with open(exp_path, "w", encoding="utf-8") as f:
                            f.write(expected)
                        r = rusage_run(self.gc_cmd(replay.url, query, exp_path), None, timeout=180)
                        if r["rc"] != 0:
                            raise RuntimeError(f"gradio_client failed at {events} events: rc={r['rc']} {r['stderr']}")
                    samples.append(r)
                cpu = summary([s["cpu"] for s in samples])
                rows.append({"events": events, "bytes": size, "generating_events": events + 1, "cpu_s": cpu,
                             "wall_s": summary([s["wall"] for s in samples]),
                             "maxrss_kb": summary([s["maxrss_kb"] for s in samples])})
                log(f"{kind} {events} events: cpu {cpu['median'] * 1000:.1f} ms")
            # Means, not medians: the kernel accounts CPU time in scheduler ticks, so one run's
            # figure is quantised; the mean of many runs is not, and small differences (1k events
            # cost well under a millisecond more than one) need it.
            base = rows[0]["cpu_s"]["mean"]
            for row in rows[1:]:
                n = row["generating_events"]
                row["us_per_event_gross"] = row["cpu_s"]["mean"] / n * 1e6
                row["us_per_event_net"] = (row["cpu_s"]["mean"] - base) / n * 1e6
            return rows

        # warm the server's render cache (rendering 100k events takes about a second)
        for events in (1000, 10_000, 100_000):
            urllib.request.urlopen(f"{replay.url}/expected?events={events}&bytes={events * 10}", timeout=60).read()
        # Many runs where the difference to measure is small (1 and 1000 events: about 0.5 ms).
        q = measure("qwen-chat", [1, 1000, 10_000, 100_000], lambda n: self.runs(41, 11) if n <= 1000 else self.runs(9, 3))
        g = measure("gradio_client", [1, 1000, 3000, 10_000], lambda n: self.runs(3, 1) if n < 10_000 else 1)
        extra = []
        if not self.quick:
            # One larger run to show the trend (quadratic memory: ~2.5 GB at 20k events of 10 bytes).
            extra = measure("gradio_client", [1, 20_000], lambda n: 1)[1:]
        g += extra
        res = {"qwen_chat": q, "gradio_client": g}
        qn = {r["events"]: r for r in q}
        gn = {r["events"]: r for r in g}
        res["qwen_flatness_100k_vs_1k"] = qn[100_000]["us_per_event_net"] / qn[1000]["us_per_event_net"]
        res["qwen_flatness_100k_vs_1k_gross"] = qn[100_000]["us_per_event_gross"] / qn[1000]["us_per_event_gross"]
        res["gc_flatness_10k_vs_1k"] = gn[10_000]["us_per_event_net"] / gn[1000]["us_per_event_net"]
        return res

    # -- peak memory for a 1 MB reply
    def peak_rss(self, replay):
        rows = {}
        for kind, events in (("qwen-chat", 100_000), ("qwen-chat", 1000), ("gradio_client", 1000)):
            size = 1_000_000
            query = f"bench REPLAY {events} {size}"
            replay.expected(events, size)
            samples = []
            for _ in range(self.runs(3, 1) if kind == "qwen-chat" else 1):
                cmd = self.qwen_cmd(replay.url, query) if kind == "qwen-chat" else self.gc_cmd(replay.url, query)
                r = rusage_run(cmd, os.path.join(self.tmp, "rss.out"), timeout=300)
                if r["rc"] != 0:
                    raise RuntimeError(f"{kind} failed: {r['stderr']}")
                samples.append(r["maxrss_kb"])
            rows[f"{kind} {events} events"] = {"kind": kind, "events": events, "bytes": size,
                                               "maxrss_kb": summary(samples)}
        return rows

    # -- rendering Markdown on a terminal
    def markdown_render(self, replay):
        """CPU per line of a one-shot reply drawn live on a pseudo-terminal (120x40, colours on)."""
        env = {k: v for k, v in ENV.items() if k != "NO_COLOR"}
        env.update(TERM="xterm-256color", COLUMNS="120", LINES="40")
        rows = []
        for lines in (1, 1000, 10_000):
            query = f"bench MARKDOWN {lines}"
            expected = replay.expected_markdown(lines)  # also renders the server's tokens
            self.verify_qwen(replay.url, query, expected, f"markdown {lines} lines, piped")
            cmd = [self.bin, "--url", replay.url, "--idle-timeout", "30", "--markdown", "always", query]
            samples = []
            for _ in range(self.runs(9, 3) if lines <= 1000 else self.runs(5, 2)):
                r = pty_run(cmd, env, timeout=120)
                if r["rc"] != 0 or r["drawn_bytes"] == 0:
                    raise RuntimeError(f"qwen-chat on a terminal failed at {lines} lines: rc={r['rc']} "
                                       f"drew {r['drawn_bytes']} bytes; {r['stderr']}")
                samples.append(r)
            cpu = summary([s["cpu"] for s in samples])
            rows.append({"lines": lines, "reply_bytes": len(expected.encode()),
                         "cpu_s": cpu, "wall_s": summary([s["wall"] for s in samples]),
                         "drawn_bytes": samples[0]["drawn_bytes"],
                         "maxrss_kb": summary([s["maxrss_kb"] for s in samples])})
            log(f"markdown {lines} lines on a pty: cpu {cpu['median'] * 1000:.1f} ms, "
                f"drew {samples[0]['drawn_bytes']:,} bytes")
        # Means, as for CPU per event; net subtracts a one-line reply (start-up, /config, join).
        base = rows[0]["cpu_s"]["mean"]
        for row in rows[1:]:
            n = row["lines"]
            row["us_per_line_gross"] = row["cpu_s"]["mean"] / n * 1e6
            row["us_per_line_net"] = (row["cpu_s"]["mean"] - base) / n * 1e6
        by = {r["lines"]: r for r in rows}
        return {"terminal": "120x40, TERM=xterm-256color", "rows": rows,
                "flatness_10k_vs_1k": by[10_000]["us_per_line_net"] / by[1000]["us_per_line_net"],
                "flatness_10k_vs_1k_gross": by[10_000]["us_per_line_gross"] / by[1000]["us_per_line_gross"]}

    def run(self):
        t0 = time.perf_counter()
        if self.args.only == "markdown":
            replay = Replay(lifetime=600, prerender=[])
            try:
                self.section("markdown_render", lambda: self.markdown_render(replay))
            finally:
                replay.stop()
            self.results["meta"]["bench_seconds"] = time.perf_counter() - t0
            return self.results
        self.section("cold_start", self.cold_start)
        replay = Replay(lifetime=1200, prerender=["10000:100000", "100000:1000000"])
        try:
            self.section("e2e_replay", lambda: self.e2e_replay(replay))
            self.section("per_event", lambda: self.per_event(replay))
            self.section("peak_rss", lambda: self.peak_rss(replay))
            self.section("markdown_render", lambda: self.markdown_render(replay))
        finally:
            replay.stop()
        if not self.args.skip_replica:
            self.section("e2e_replica", self.e2e_replica)
        self.results["meta"]["bench_seconds"] = time.perf_counter() - t0
        return self.results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--gradio-python", required=True)
    ap.add_argument("--out", default=os.path.join(BENCH, "results", "latest.json"))
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    ap.add_argument("--skip-replica", action="store_true")
    ap.add_argument("--only", choices=["markdown"], help="run just this section (a quick check of it)")
    args = ap.parse_args()
    results = Bench(args).run()
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
    log(f"wrote {args.out}")
    bad = [c for c in results["correctness"] if not c["ok"]]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
