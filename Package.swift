// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "qwen-chat",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "qwen-chat", targets: ["qwen-chat"]),
        // For fuzz/, a package whose libFuzzer targets link these as the app does.
        .library(name: "GradioClient", targets: ["GradioClient"]),
        .library(name: "TerminalRendering", targets: ["TerminalRendering"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
    ],
    targets: [
        // The only place that sees C: libedit's native histedit.h API behind inline shims.
        .systemLibrary(
            name: "CLibEdit",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        // Swift over libedit: prompt, history, completion, paste.
        .target(name: "LineEditor", dependencies: ["CLibEdit"]),
        // Gradio's queue protocol. Knows nothing about Qwen or terminals.
        .target(
            name: "GradioClient",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // JSON objects: members in order, found by key in O(1) (a 300k-key config).
                .product(name: "OrderedCollections", package: "swift-collections"),
            ]
        ),
        // The Qwen Space adapter, transcript, commands and REPL state machine.
        .target(name: "ChatCore", dependencies: ["GradioClient"]),
        // Pure rendering: state + update -> bytes.
        .target(name: "TerminalRendering"),
        .executableTarget(
            name: "qwen-chat",
            dependencies: [
                "GradioClient", "ChatCore", "TerminalRendering", "LineEditor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A scratch program for driving LineEditor alone in tmux (Tests/LineEditorTests/tmux-check.sh).
        .executableTarget(name: "line-editor-demo", dependencies: ["LineEditor"]),
        // Shared by the test targets: the test environment, a runner for the binary, a fake transport, an RNG.
        .target(name: "TestSupport", dependencies: ["GradioClient"], path: "Tests/TestSupport"),
        .testTarget(name: "GradioClientTests", dependencies: ["GradioClient", "TestSupport"]),
        .testTarget(name: "LineEditorTests", dependencies: ["LineEditor"], exclude: ["tmux-check.sh"]),
        .testTarget(name: "ChatCoreTests", dependencies: ["ChatCore", "GradioClient", "TestSupport"]),
        .testTarget(name: "TerminalRenderingTests", dependencies: ["TerminalRendering"]),
        .testTarget(name: "IntegrationTests", dependencies: ["GradioClient", "ChatCore", "TestSupport"]),
        .testTarget(name: "FaultTests", dependencies: ["GradioClient", "ChatCore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
