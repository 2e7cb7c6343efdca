// swift-tools-version:6.1
// The libFuzzer targets, linked against the library as the app is. scripts/fuzz builds them:
//   swift build -c release --package-path fuzz --scratch-path .build-fuzz \
//     --sanitize fuzzer --sanitize address -Xswiftc -parse-as-library -Xswiftc -enable-testing
// (-parse-as-library: libFuzzer's main runs and calls each target's LLVMFuzzerTestOneInput;
// -enable-testing: the sanitizer target reaches ControlSanitizer's scalar-by-scalar path.)
import PackageDescription

let package = Package(
    name: "qwen-chat-fuzz",
    dependencies: [.package(name: "qwen-chat", path: "..")],
    targets: [
        .executableTarget(name: "fuzz-sse", dependencies: [.product(name: "GradioClient", package: "qwen-chat")], path: "sse"),
        .executableTarget(name: "fuzz-json", dependencies: [.product(name: "GradioClient", package: "qwen-chat")], path: "json"),
        .executableTarget(name: "fuzz-message", dependencies: [.product(name: "GradioClient", package: "qwen-chat")], path: "message"),
        .executableTarget(name: "fuzz-sanitizer", dependencies: [.product(name: "TerminalRendering", package: "qwen-chat")], path: "sanitizer"),
        .executableTarget(name: "fuzz-table", dependencies: [.product(name: "TerminalRendering", package: "qwen-chat")], path: "table"),
    ],
    swiftLanguageModes: [.v6]
)
