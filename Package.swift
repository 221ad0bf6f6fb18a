// swift-tools-version:6.0
// m2v — Model2Vec static embeddings in Swift, exported as the C library libm2v.so.
//
// Targets, one per concern (see README "Architecture"):
//   CM2V                 the hand-written C header include/m2v.h as a Clang module (types only)
//   CLinux              renameat2(2), sched_getaffinity(2), thread names: Linux calls Glibc does not show
//   M2VSupport           errors, JSON, file I/O (durable, atomic saves) shared by all modules
//   UnicodeNormalization NFC/NFD/NFKC/NFKD from generated Unicode tables
//   SafeTensors          mmap'd safetensors reading and writing
//   Oniguruma            the regex engine of HF tokenizers (libonig.so.5, bound at run time)
//   TokenizerCore        the protocols, buffers and Split/Replace pattern shared by the stages
//   TokenizerNormalizers BertNormalizer, NFKC, Precompiled, Replace, ... (tokenizer.json "normalizer")
//   TokenizerPreTokenizers BertPreTokenizer, ByteLevel, Metaspace, Split, ... ("pre_tokenizer")
//   TokenizerModels      WordPiece, BPE, Unigram, WordLevel ("model")
//   Tokenizers           the tokenizer pipeline: added tokens, post-processors, loading
//   PoolingKernelsX86V3  row-accumulation kernels built for x86-64-v3, chosen at run time
//   TransformerKernels   the teacher forward pass's element-wise kernels (@inlinable, baseline)
//   TransformerKernelsX86V3  the same kernels compiled for x86-64-v3, chosen at run time
//   StaticModel          model folders, encode / encode_as_sequence / tokenize, save
//   CBLAS                OpenBLAS cblas.h + LAPACKE as a system library (Debian libopenblas-dev, liblapacke-dev)
//   LinearAlgebra        OpenBLAS / LAPACKE bound at run time (dlopen): sgemm, ssyevd, for Distill and Classifier
//   Distill              teacher forward passes (BERT, RoBERTa, DistilBERT, MPNet, ModernBERT), vocabulary, PCA, SIF, the pipeline
//   Classifier           model2vec pipelines: MLP heads, predict, save, and training (model2vec.train)
//   M2V                  the C API: @_cdecl functions, status codes, ownership. No logic.
//   M2VCLI               the `m2v` command (encode, tokenize, distill, info, similar): a client of
//                        the C API that links build/lib/libm2v.so, declared for M2V_STATIC builds
//
// Building the self-contained libm2v.so: `M2V_STATIC=1 swift build -c release --product m2v`
// (scripts/build.sh does this). Without M2V_STATIC the build links the Swift runtime
// dynamically, which `swift test` (XCTest) needs.
import PackageDescription

let staticLib = Context.environment["M2V_STATIC"] == "1"
let pkgDir = Context.packageDirectory

// Release builds skip the dynamic exclusivity checks (swift_beginAccess / endAccess on every
// access to a class's stored var: ~6% of a one-query encode): the static checks remain, and
// the mutable state they would guard is per-thread workspaces, never shared.
let coreSwift: [SwiftSetting] = (staticLib ? [.unsafeFlags(["-static-stdlib"])] : [])
    + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
// The x86-64-v3 kernels (AVX2/FMA/F16C), dispatched at run time; other architectures build the
// same module for their baseline.
#if arch(x86_64)
let v3Flags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let v3Flags: [SwiftSetting] = []
#endif

let soLinker: [LinkerSetting] = staticLib ? [
    .unsafeFlags([
        "-static-stdlib", "-use-ld=lld",
        "-Xlinker", "--no-undefined",
        "-Xlinker", "--version-script=\(pkgDir)/scripts/m2v.map",
        "-Xlinker", "-soname=libm2v.so.0",
        // dlclose() leaves the library mapped: its parked pool workers run its code until exit.
        "-Xlinker", "-z", "-Xlinker", "nodelete",
    ]),
] : []

// The `m2v` command is a client of libm2v.so like the other bindings: it imports the header (CM2V)
// and M2VSupport (JSON, errors, files) and links the library scripts/build.sh has just built into
// build/lib, with rpaths for the C tarball (bin/../lib) and the wheel (m2v_native/bin/..). It is
// declared only in the self-contained release build (M2V_STATIC=1), which builds it after the
// library; `swift test` never sees it.
let cliProducts: [Product] = staticLib ? [.executable(name: "m2v-cli", targets: ["M2VCLI"])] : []
let cliTargets: [Target] = staticLib ? [
    .executableTarget(name: "M2VCLI", dependencies: ["CM2V", "M2VSupport"], swiftSettings: coreSwift,
                      linkerSettings: [
                          .unsafeFlags(["-static-stdlib", "-L\(pkgDir)/build/lib",
                                        "-Xlinker", "-rpath", "-Xlinker", "$ORIGIN/../lib",
                                        "-Xlinker", "-rpath", "-Xlinker", "$ORIGIN/.."]),
                          .linkedLibrary("m2v"),
                      ]),
] : []

let package = Package(
    name: "m2v",
    products: [
        .library(name: "m2v", type: .dynamic, targets: ["M2V"]),
    ] + cliProducts,
    targets: [
        .target(name: "CM2V", path: "Sources/CM2V"),
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .target(name: "M2VSupport", dependencies: ["CLinux"], swiftSettings: coreSwift),
        .target(name: "UnicodeNormalization", dependencies: ["M2VSupport"], swiftSettings: coreSwift),
        .target(name: "SafeTensors", dependencies: ["M2VSupport"], swiftSettings: coreSwift),
        .target(name: "Oniguruma", dependencies: ["M2VSupport"], swiftSettings: coreSwift),
        .target(name: "TokenizerCore", dependencies: ["M2VSupport", "Oniguruma"], swiftSettings: coreSwift),
        .target(name: "TokenizerNormalizers",
                dependencies: ["M2VSupport", "TokenizerCore", "UnicodeNormalization"],
                swiftSettings: coreSwift),
        .target(name: "TokenizerPreTokenizers",
                dependencies: ["M2VSupport", "TokenizerCore", "UnicodeNormalization"],
                swiftSettings: coreSwift),
        .target(name: "TokenizerModels", dependencies: ["M2VSupport", "TokenizerCore"],
                swiftSettings: coreSwift),
        .target(name: "Tokenizers",
                dependencies: ["M2VSupport", "TokenizerCore", "TokenizerNormalizers",
                               "TokenizerPreTokenizers", "TokenizerModels", "UnicodeNormalization"],
                swiftSettings: coreSwift),
        .target(name: "PoolingKernelsX86V3", swiftSettings: coreSwift + v3Flags),
        .target(name: "TransformerKernels", swiftSettings: coreSwift),
        .target(name: "TransformerKernelsX86V3", dependencies: ["TransformerKernels"], swiftSettings: coreSwift + v3Flags),
        .target(name: "StaticModel", dependencies: ["M2VSupport", "SafeTensors", "Tokenizers", "PoolingKernelsX86V3"],
                swiftSettings: coreSwift),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .target(name: "LinearAlgebra", dependencies: ["M2VSupport", "CBLAS"], swiftSettings: coreSwift),
        .target(name: "Distill", dependencies: ["M2VSupport", "SafeTensors", "Tokenizers", "StaticModel", "CBLAS", "LinearAlgebra",
                                              "TransformerKernels", "TransformerKernelsX86V3"],
                swiftSettings: coreSwift),
        .target(name: "Classifier", dependencies: ["M2VSupport", "SafeTensors", "StaticModel", "LinearAlgebra"], swiftSettings: coreSwift),
        .target(name: "M2V", dependencies: ["CM2V", "M2VSupport", "Oniguruma", "Tokenizers", "StaticModel", "Distill",
                                            "Classifier"],
                swiftSettings: coreSwift, linkerSettings: soLinker),
        .target(name: "TestSupport", dependencies: ["M2VSupport"], path: "Tests/TestSupport"),
        .testTarget(name: "M2VSupportTests", dependencies: ["M2VSupport", "TestSupport"]),
        .testTarget(name: "UnicodeNormalizationTests", dependencies: ["TestSupport", "UnicodeNormalization"],
                    exclude: ["Data"]),
        .testTarget(name: "SafeTensorsTests", dependencies: ["TestSupport", "SafeTensors"]),
        .testTarget(name: "TokenizerNormalizersTests", dependencies: ["TestSupport", "TokenizerNormalizers"]),
        .testTarget(name: "TokenizerPreTokenizersTests", dependencies: ["TestSupport", "TokenizerPreTokenizers", "TokenizerCore", "Oniguruma"]),
        .testTarget(name: "TokenizerModelsTests", dependencies: ["TestSupport", "TokenizerModels"]),
        .testTarget(name: "TokenizersTests", dependencies: ["TestSupport", "Tokenizers", "SafeTensors"]),
        .testTarget(name: "StaticModelTests", dependencies: ["TestSupport", "StaticModel", "SafeTensors"]),
        .testTarget(name: "DistillTests", dependencies: ["TestSupport", "Distill", "SafeTensors", "StaticModel", "M2V", "CM2V"]),
        .testTarget(name: "ClassifierTests", dependencies: ["TestSupport", "Classifier", "StaticModel", "SafeTensors", "LinearAlgebra"]),
        .testTarget(name: "M2VTests", dependencies: ["TestSupport", "M2V", "CM2V"]),
    ] + cliTargets
)
