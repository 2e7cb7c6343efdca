import ChatCore
import Foundation
import TestSupport
import Testing

// The Swift half of Tests/EndToEnd/kill9-e2e.sh: the script kills qwen-chat with SIGKILL
// mid-reply and runs this test with QWEN_CHAT_TEST_KILL9_JOURNAL (the session file) and
// QWEN_CHAT_TEST_KILL9_TURNS (the user turns sent, separated by newlines). Skipped otherwise.
@Suite("Session journal after kill -9")
struct KilledSessionJournalTests {
    @Test("The journal of a killed session parses, with the finished turns and a partial reply")
    func journalAfterKill() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let path = environment["QWEN_CHAT_TEST_KILL9_JOURNAL"], !path.isEmpty else { return }
        let users = (environment["QWEN_CHAT_TEST_KILL9_TURNS"] ?? "").split(separator: "\n").map(String.init)
        let contents = try String(contentsOfFile: path, encoding: .utf8)
        let (transcript, warning) = try SessionJournal.transcript(from: contents)
        if let warning { print("kill9: journal warning: \(warning)") }
        #expect(transcript.turns.count == users.count, "turns: \(transcript.turns.map(\.user))")
        guard transcript.turns.count == users.count, let last = transcript.turns.last else { return }
        for (turn, user) in zip(transcript.turns.dropLast(), users) {
            #expect(turn.user == user)
            #expect(turn.status == .complete, "\(turn.status)")
            #expect(turn.reply == "Echo: " + user)
        }
        #expect(last.user == users.last)
        #expect(last.status == .interrupted, "\(last.status)")
        // FAULT_SLOW's reply is "slow0 slow1 ... slow299": a non-empty prefix of it.
        let slow = (0..<300).map { "slow\($0)" }.joined(separator: " ")
        #expect(!last.reply.isEmpty && slow.hasPrefix(last.reply), "partial: \(last.reply.prefix(200))")
        #expect(last.reply.count < slow.count)
    }
}
