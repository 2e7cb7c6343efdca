@testable import ChatCore
import GradioClient
import Testing

@Suite("Space states from the Hub, and the wait for them")
struct SpaceStateTests {
    private func state(_ runtime: String, status: Int = 200) -> SpaceState {
        SpaceState(hubStatus: status, body: Array(#"{"id": "o/n", "runtime": \#(runtime)}"#.utf8))
    }

    @Test("each runtime stage the Hub reports", arguments: [
        ("RUNNING", SpaceState.running),
        ("RUNNING_BUILDING", .running),
        ("RUNNING_APP_STARTING", .running),
        ("SLEEPING", .sleeping),
        ("BUILDING", .starting(stage: "BUILDING")),
        ("APP_STARTING", .starting(stage: "APP_STARTING")),
        ("PAUSED", .paused(stage: "PAUSED")),
        ("STOPPED", .paused(stage: "STOPPED")),
        ("RUNTIME_ERROR", .failed(stage: "RUNTIME_ERROR", message: nil)),
        ("BUILD_ERROR", .failed(stage: "BUILD_ERROR", message: nil)),
        ("CONFIG_ERROR", .failed(stage: "CONFIG_ERROR", message: nil)),
        ("NO_APP_FILE", .failed(stage: "NO_APP_FILE", message: nil)),
        ("DELETING", .deleting),
    ])
    func stages(stage: String, expected: SpaceState) {
        let hardware = stage.hasPrefix("RUNNING") ? #""cpu-basic""# : "null"
        #expect(state(#"{"stage": "\#(stage)", "hardware": {"current": \#(hardware), "requested": "cpu-basic"}}"#) == expected)
    }

    @Test("the error message of a failed Space, and no hardware")
    func errorsAndHardware() {
        #expect(state(#"{"stage": "RUNTIME_ERROR", "errorMessage": " Exit code: 1\n"}"#) == .failed(stage: "RUNTIME_ERROR", message: "Exit code: 1"))
        #expect(state(#"{"stage": "RUNNING", "hardware": {"current": null, "requested": "a10g-small"}}"#) == .noHardware(requested: "a10g-small"))
        #expect(state(#"{"hardware": {"current": null, "requested": "a10g-small"}}"#) == .noHardware(requested: "a10g-small"))
        // A sleeping Space has no current hardware either: that is sleep, not a missing grant.
        #expect(state(#"{"stage": "SLEEPING", "hardware": {"current": null, "requested": "a10g-small"}}"#) == .sleeping)
    }

    @Test("404 and 401 mean no such public Space; other answers are unknown")
    func notFound() {
        #expect(SpaceState(hubStatus: 404, body: []) == .notFound(status: 404))
        #expect(SpaceState(hubStatus: 401, body: []) == .notFound(status: 401))
        if case .unknown = SpaceState(hubStatus: 500, body: []) {} else { Issue.record("500 should be unknown") }
        if case .unknown = SpaceState(hubStatus: 200, body: Array("<html>".utf8)) {} else { Issue.record("HTML should be unknown") }
        if case .unknown = state(#"{"stage": "SOMETHING_NEW"}"#) {} else { Issue.record("a new stage should be unknown") }
    }

    @Test("asleep: waits with backoff (2, 4, 8, 15 s) inside the budget, then gives up in one line")
    func sleepingBackoff() {
        var wait = SpaceWait(spaceID: "Owner/Name", budget: 30)
        var delays: [Double] = []
        var elapsed = 0.0
        while case .wait(let seconds, let status) = wait.next(.sleeping, elapsed: elapsed) {
            #expect(status.hasPrefix("the Space Owner/Name is asleep; waking it up ("), "\(status)")
            delays.append(seconds)
            elapsed += seconds
        }
        #expect(delays == [2, 4, 8, 15, 1])
        #expect(wait.next(.sleeping, elapsed: elapsed) == .fail("the Space Owner/Name is still asleep after 30 s; try again later or raise --wait"))
    }

    @Test("running by the Hub's word after a wait, while the host still fails: starting, so wait on")
    func wokenButNotAnswering() {
        var wait = SpaceWait(spaceID: "o/n", budget: 120)
        #expect(wait.next(.running, elapsed: 0) == .proceed)
        _ = wait.next(.sleeping, elapsed: 0)
        #expect(wait.next(.running, elapsed: 2) == .wait(seconds: 4, status: "the Space o/n is starting; waiting (2 s of 120 s)"))
    }

    @Test("building waits; --wait 0 does not")
    func building() {
        var wait = SpaceWait(spaceID: "o/n", budget: 120)
        #expect(wait.next(.starting(stage: "BUILDING"), elapsed: 0) == .wait(seconds: 2, status: "the Space o/n is building; waiting (0 s of 120 s)"))
        var none = SpaceWait(spaceID: "o/n", budget: 0)
        #expect(none.next(.sleeping, elapsed: 0) == .fail("the Space o/n is asleep (--wait 0: not waiting for it)"))
    }

    @Test("paused, errors, no hardware, not found: one line; running or unknown: go on")
    func oneLine() {
        var wait = SpaceWait(spaceID: "o/n", budget: 120)
        #expect(wait.next(.paused(stage: "PAUSED"), elapsed: 0) == .fail("the Space o/n is paused by its owner; it answers again once they restart it"))
        #expect(wait.next(.failed(stage: "RUNTIME_ERROR", message: "bad\u{1B}[2J\nthing"), elapsed: 0) == .fail("the Space o/n has a runtime error: bad␛[2J thing"))
        #expect(wait.next(.noHardware(requested: "a10g-small"), elapsed: 0) == .fail("the Space o/n has no hardware assigned (it requests a10g-small); it answers again once its owner assigns some"))
        #expect(wait.next(.notFound(status: 404), elapsed: 0) == .fail("the Hub has no public Space o/n (HTTP 404); if it is private, set HF_TOKEN or --token"))
        #expect(wait.next(.running, elapsed: 0) == .proceed)
        #expect(wait.next(.unknown("no Hub"), elapsed: 0) == .proceed)
        var signedIn = SpaceWait(spaceID: "o/n", budget: 120, tokenSent: true)
        #expect(signedIn.next(.notFound(status: 401), elapsed: 0) == .fail("the Hub has no Space o/n that the token given can see (HTTP 401); check the id and the token"))
    }

    @Test("ZeroGPU errors by title, then by words: in plain words, the wait said, the hint only without a token")
    func zeroGPU() {
        func upstream(_ text: String, title: String? = nil) -> GradioError {
            GradioError(.upstream, "the Space reported an error: " + text, title: title, detail: text)
        }
        let spaces = upstream("Space app has reached its GPU limit. Try re-running outside of examples if it happened after clicking one", title: "ZeroGPU quota exceeded")
        #expect(ZeroGPUError.kind(of: spaces) == .quota)
        #expect(ZeroGPUError.reworded(spaces, tokenSent: false).message == "the Space's ZeroGPU quota is used up: Space app has reached its GPU limit. Try re-running outside of examples if it happened after clicking one; " + ZeroGPUError.hint)
        let old = upstream("You have exceeded your GPU quota (60s requested vs. 43s left).")
        #expect(ZeroGPUError.kind(of: old) == .quota)
        #expect(ZeroGPUError.reworded(old, tokenSent: true).message == "the Space's ZeroGPU quota is used up: You have exceeded your GPU quota (60s requested vs. 43s left)")
        #expect(ZeroGPUError.kind(of: upstream("No GPU was available after 60s", title: "ZeroGPU queue timeout")) == .busy)
        #expect(ZeroGPUError.kind(of: upstream("GPU task aborted")) == .failed)
        #expect(ZeroGPUError.kind(of: upstream("The requested GPU duration (300s) is larger than the maximum allowed", title: "ZeroGPU illegal duration")) == .duration)
        let other = upstream("out of memory")
        #expect(ZeroGPUError.kind(of: other) == nil)
        #expect(ZeroGPUError.reworded(other, tokenSent: false) == other)
        #expect(ZeroGPUError.kind(of: GradioError(.streamEnded, "GPU quota")) == nil)
    }

    @Test("plain words: links as text (target), entities, the wait in words", arguments: [
        ("Try again in 0:03:27.", "Try again in 3 min 27 s"),
        ("Try again in 0:03:27. Then more.", "Try again in 3 min 27 s. Then more"),
        ("Try again in 0:00:27.25 or so", "Try again in 28 s or so"),
        ("try again in 1 day, 2:03:04.500000", "try again in 1 day 2 h 3 min"),
        ("Try again in 0:00:00", "Try again in 0 s"),
        ("Try again in 12:00:00 please", "Try again in 12 h please"),
        ("Try again in 99999999999999999999:00:00", "Try again in 99999999999999999999:00:00"),
        ("Try again in 1e400:00:00", "Try again in 1e400:00:00"),
        ("Try again in 99999999999999999999 days, 0:00:01", "Try again in 99999999999999999999 days, 0:00:01"),
        (#"<a href="https://hf.co/pro" style="x">Subscribe &amp; more</a> now<br>later"#, "Subscribe & more (https://hf.co/pro) now later"),
        (#"<A HREF='https://x.y'>https://x.y</a>"#, "https://x.y"),
        ("<b>bold</b> &lt;tag&gt; unclosed <a href", "bold <tag> unclosed <a href"),
    ])
    func plainWords(html: String, words: String) {
        #expect(ZeroGPUError.plainWords(html) == words)
    }
}
