//! Finds libm2v and links it: `M2V_PREFIX` (the prefix `make install` used: `$M2V_PREFIX/lib`,
//! `$M2V_PREFIX/include`) wins, else `pkg-config m2v` (run with std::process::Command: no
//! pkg-config crate, zero dependencies). Emits the link search path, `-lm2v`, and an rpath so the
//! crate's own tests, examples and binaries run without LD_LIBRARY_PATH.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn pkg_config(args: &[&str]) -> Option<String> {
    let exe = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let out = Command::new(exe).args(args).arg("m2v").output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok().map(|s| s.trim().to_string())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=M2V_PREFIX");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG");

    let (lib_dir, include_dir, origin) = match env::var_os("M2V_PREFIX").filter(|p| !p.is_empty()) {
        Some(prefix) => {
            let prefix = PathBuf::from(prefix);
            (prefix.join("lib"), prefix.join("include"), "M2V_PREFIX")
        }
        None => {
            let libs = pkg_config(&["--libs-only-L"]).unwrap_or_else(|| {
                panic!(
                    "libm2v not found: set M2V_PREFIX to the prefix libm2v is installed under \
                     (`make install` uses <repo>/build/prefix), or make m2v.pc visible to \
                     pkg-config (PKG_CONFIG_PATH=<prefix>/lib/pkgconfig)"
                )
            });
            let lib = libs
                .split_whitespace()
                .find_map(|w| w.strip_prefix("-L"))
                .map(PathBuf::from)
                .or_else(|| pkg_config(&["--variable=libdir"]).map(PathBuf::from))
                .expect("pkg-config m2v gives no -L and no libdir");
            let inc =
                pkg_config(&["--variable=includedir"]).map(PathBuf::from).unwrap_or_else(|| lib.join("../include"));
            (lib, inc, "pkg-config m2v")
        }
    };
    if !lib_dir.join("libm2v.so").exists() {
        panic!("{} gives {}, which has no libm2v.so", origin, lib_dir.display());
    }
    let lib = lib_dir.display();
    println!("cargo:rustc-link-search=native={lib}");
    println!("cargo:rustc-link-lib=dylib=m2v");
    // Applies to this package's tests, examples, benches and binaries (not to dependents: they
    // read DEP_M2V_LIBDIR in their own build.rs, or use LD_LIBRARY_PATH / ldconfig).
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    // `links = "m2v"` metadata: DEP_M2V_LIBDIR and DEP_M2V_INCLUDE in dependents' build scripts.
    println!("cargo:libdir={lib}");
    println!("cargo:include={}", include_dir.display());
}
