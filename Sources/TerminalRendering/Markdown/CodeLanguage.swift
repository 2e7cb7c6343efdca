/// The table `CodeLexer` highlights a language with. Languages come in families that share
/// comment and string syntax; each has its own keywords.
struct CodeLanguage: Sendable {
    enum Kind: Sendable { case generic, json, markup, keyed, diff }
    struct StringRule: Sendable {
        var open: [Character]
        var close: [Character]
        var escapes = true
        var multiline = false
    }

    var kind: Kind = .generic
    var lineComments: [[Character]] = []
    var blockComments: [(open: [Character], close: [Character])] = []
    var strings: [StringRule] = []
    var keywords: Set<String> = []
    var types: Set<String> = []
    var caseInsensitive = false
    /// `Capitalized` identifiers are types (Java, Swift, Rust, ...).
    var capitalizedTypes = false

    /// The language for a fence's info string (case-insensitive; common aliases), nil if unknown.
    static func named(_ name: String) -> CodeLanguage? {
        switch name.lowercased() {
        case "c", "h": return cLike(kw: cKeywords, types: cTypes)
        case "cpp", "c++", "cc", "cxx", "hpp", "hh":
            return cLike(kw: cKeywords + " class namespace template typename public private protected virtual override new delete this throw try catch using operator friend constexpr nullptr true false auto noexcept explicit mutable", types: cTypes + " string vector map std", caps: true)
        case "java": return cLike(kw: jvm + " extends implements package import instanceof synchronized throws transient native", types: "int long short byte char boolean float double void var String Object", caps: true, multilineQuotes: true)
        case "kotlin", "kt", "kts":
            return cLike(kw: jvm + " fun val var when object companion data sealed open internal is in out by init constructor typealias suspend lateinit override", types: "Int Long Short Byte Char Boolean Float Double Unit String Any", caps: true, multilineQuotes: true)
        case "cs", "csharp", "c#":
            return cLike(kw: jvm + " namespace using var async await get set readonly ref out in is as override virtual internal struct base lock event delegate yield", types: "int long short byte char bool float double decimal void string object", caps: true)
        case "go", "golang":
            return cLike(kw: "break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var true false nil iota", types: "int int8 int16 int32 int64 uint uint8 uint16 uint32 uint64 float32 float64 string bool byte rune error any", extraStrings: [StringRule(open: ["`"], close: ["`"], escapes: false, multiline: true)])
        case "rust", "rs":
            return cLike(kw: "as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while", types: "i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize f32 f64 bool char str String Vec Option Result Box", caps: true)
        case "swift":
            return cLike(kw: "associatedtype class deinit enum extension fileprivate func import init inout internal let open operator private protocol public rethrows static struct subscript typealias var break case continue default defer do else fallthrough for guard if in repeat return switch where while as catch false is nil self Self super throw throws true try async await actor some any mutating nonmutating", types: "Int Double Float Bool String Character Array Dictionary Set Optional Void", caps: true, multilineQuotes: true)
        case "javascript", "js", "jsx", "mjs", "cjs", "typescript", "ts", "tsx":
            return cLike(kw: "break case catch class const continue debugger default delete do else export extends finally for function if import in instanceof let new of return super switch this throw try typeof var void while with yield async await static get set true false null undefined interface type enum implements private public protected readonly as from declare namespace abstract", types: "string number boolean any unknown never object symbol bigint Array Promise Map Set Record", caps: true, extraStrings: [StringRule(open: ["`"], close: ["`"], multiline: true)])
        case "php":
            var l = cLike(kw: "abstract and array as break callable case catch class clone const continue declare default do echo else elseif empty enddeclare endfor endforeach endif endswitch endwhile extends final finally fn for foreach function global goto if implements include include_once instanceof insteadof interface isset list match namespace new or print private protected public readonly require require_once return static switch throw trait try unset use var while xor yield true false null", types: "int float bool string void mixed", caps: true)
            l.lineComments.append(["#"])
            return l
        case "python", "py", "python3", "py3":
            return hashFamily(kw: "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case self", types: "int float str bool list dict set tuple bytes object type", strings: [
                StringRule(open: Array("\"\"\""), close: Array("\"\"\""), multiline: true),
                StringRule(open: Array("'''"), close: Array("'''"), multiline: true),
                StringRule(open: ["\""], close: ["\""]), StringRule(open: ["'"], close: ["'"])], caps: true)
        case "ruby", "rb":
            return hashFamily(kw: "BEGIN END alias and begin break case class def defined? do else elsif end ensure false for if in module next nil not or redo rescue retry return self super then true undef unless until when while yield require attr_accessor attr_reader puts", types: "", strings: quotes, caps: true)
        case "sh", "bash", "shell", "zsh", "console", "shellscript":
            return hashFamily(kw: "if then else elif fi case esac for while until do done in function select time return exit export local readonly unset source echo cd set shift trap", types: "", strings: [StringRule(open: ["\""], close: ["\""]), StringRule(open: ["'"], close: ["'"], escapes: false)])
        case "yaml", "yml":
            var l = hashFamily(kw: "true false null yes no on off", types: "", strings: quotes)
            l.kind = .keyed
            return l
        case "toml", "ini":
            var l = hashFamily(kw: "true false", types: "", strings: [
                StringRule(open: Array("\"\"\""), close: Array("\"\"\""), multiline: true),
                StringRule(open: Array("'''"), close: Array("'''"), escapes: false, multiline: true)] + quotes)
            l.kind = .keyed
            return l
        case "dockerfile", "docker", "containerfile":
            var l = hashFamily(kw: "from run cmd label maintainer expose env add copy entrypoint volume user workdir arg onbuild stopsignal healthcheck shell as", types: "", strings: quotes)
            l.caseInsensitive = true
            return l
        case "sql", "mysql", "postgresql", "postgres", "sqlite", "plsql":
            var l = CodeLanguage()
            l.lineComments = [["-", "-"]]
            l.blockComments = [(["/", "*"], ["*", "/"])]
            l.strings = [StringRule(open: ["'"], close: ["'"], escapes: false), StringRule(open: ["\""], close: ["\""], escapes: false)]
            l.keywords = words("select from where and or not insert into values update set delete create table drop alter add column index view primary key foreign references join inner left right outer full on as group by order having limit offset distinct union all case when then else end null is in exists between like begin commit rollback transaction with returning default unique constraint if asc desc count sum avg min max")
            l.types = words("int integer bigint smallint text varchar char boolean bool date timestamp float real double numeric decimal serial blob json jsonb uuid")
            l.caseInsensitive = true
            return l
        case "html", "htm", "xml", "svg", "xhtml", "vue":
            var l = CodeLanguage()
            l.kind = .markup
            l.blockComments = [(Array("<!--"), Array("-->"))]
            l.strings = [StringRule(open: ["\""], close: ["\""], escapes: false), StringRule(open: ["'"], close: ["'"], escapes: false)]
            return l
        case "json", "jsonc", "json5":
            var l = CodeLanguage()
            l.kind = .json
            l.lineComments = [["/", "/"]]
            l.blockComments = [(["/", "*"], ["*", "/"])]
            l.strings = [StringRule(open: ["\""], close: ["\""])]
            l.keywords = ["true", "false", "null"]
            return l
        case "diff", "patch", "udiff":
            var l = CodeLanguage()
            l.kind = .diff
            return l
        case "lua":
            var l = CodeLanguage()
            l.blockComments = [(Array("--[["), Array("]]"))]
            l.lineComments = [["-", "-"]]
            l.strings = [StringRule(open: ["[", "["], close: ["]", "]"], escapes: false, multiline: true)] + quotes
            l.keywords = words("and break do else elseif end false for function goto if in local nil not or repeat return then true until while self require")
            return l
        default:
            return nil
        }
    }

    /// Names highlighted, for docs and tests.
    static let names = ["c", "cpp", "java", "kotlin", "csharp", "go", "rust", "swift", "javascript", "typescript", "php",
                        "python", "ruby", "bash", "yaml", "toml", "dockerfile", "sql", "html", "xml", "json", "diff", "lua"]

    private static let cKeywords = "auto break case const continue default do else enum extern for goto if inline register restrict return sizeof static struct switch typedef union volatile while NULL true false"
    private static let cTypes = "int char float double void long short unsigned signed bool size_t int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t FILE"
    private static let jvm = "abstract break case catch class const continue default do else enum final finally for goto if import new private protected public return static super switch this throw try while true false null interface"
    private static let quotes = [StringRule(open: ["\""], close: ["\""]), StringRule(open: ["'"], close: ["'"])]

    private static func words(_ s: String) -> Set<String> { Set(s.split(separator: " ").map(String.init)) }

    private static func cLike(kw: String, types: String, caps: Bool = false, multilineQuotes: Bool = false,
                              extraStrings: [StringRule] = []) -> CodeLanguage {
        var l = CodeLanguage()
        l.lineComments = [["/", "/"]]
        l.blockComments = [(["/", "*"], ["*", "/"])]
        l.strings = (multilineQuotes ? [StringRule(open: Array("\"\"\""), close: Array("\"\"\""), multiline: true)] : [])
            + extraStrings + quotes
        l.keywords = words(kw)
        l.types = words(types)
        l.capitalizedTypes = caps
        return l
    }

    private static func hashFamily(kw: String, types: String, strings: [StringRule], caps: Bool = false) -> CodeLanguage {
        var l = CodeLanguage()
        l.lineComments = [["#"]]
        l.strings = strings
        l.keywords = words(kw)
        l.types = words(types)
        l.capitalizedTypes = caps
        return l
    }
}
