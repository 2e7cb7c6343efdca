import ChatCore
import Foundation
import TestSupport
import Testing

@Suite("Session files on disk")
struct SessionFileTests {
    private func scratchDirectory() -> String {
        let path = NSTemporaryDirectory() + "qc-session-\(uniqueTag())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("entries are appended with 0700/0600 modes and read back; deltas are batched")
    func writesAndReads() throws {
        let root = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = SessionFile(directory: root + "/sessions", flushInterval: 0.25)
        file.record(.turn(index: 0, user: "hi", system: "S", model: "72B", time: 10), now: 10)
        file.record(.delta(index: 0, text: "Hel"), now: 10.01)
        file.record(.delta(index: 0, text: "lo"), now: 10.02)
        let path = try #require(file.path)
        var contents = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!contents.contains("\"Hel\""), "deltas wait for the flush interval")
        file.flushIfDue(now: 10.3)
        contents = try String(contentsOfFile: path, encoding: .utf8)
        #expect(contents.contains("\"text\":\"Hello\""), "batched deltas are written as one line")
        file.record(.end(index: 0, status: .complete, text: "Hello", error: nil, time: 11), now: 11)
        let (transcript, warning) = try SessionJournal.transcript(from: String(contentsOfFile: path, encoding: .utf8))
        #expect(warning == nil)
        #expect(transcript.turns.map(\.reply) == ["Hello"])
        let directoryMode = try FileManager.default.attributesOfItem(atPath: root + "/sessions")[.posixPermissions] as? Int
        let fileMode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(directoryMode == 0o700)
        #expect(fileMode == 0o600)
        #expect(file.takeWarning() == nil)
    }

    @Test("an unwritable directory gives one warning and the chat goes on")
    func unwritable() throws {
        let root = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A file where the directory should be: permission bits do not stop root, this does.
        FileManager.default.createFile(atPath: root + "/sessions", contents: Data())
        let file = SessionFile(directory: root + "/sessions/deeper")
        file.record(.turn(index: 0, user: "hi", system: "S", model: "72B", time: 1), now: 1)
        let warning = try #require(file.takeWarning())
        #expect(warning.contains("not being saved"))
        #expect(!warning.contains("\n"))
        file.record(.end(index: 0, status: .complete, text: "x", error: nil, time: 2), now: 2)
        #expect(file.takeWarning() == nil, "warned once")
        #expect(file.path == nil)
    }
}
