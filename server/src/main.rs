//! The `kura` binary. Everything lives in the library so tests boot the same code.

fn main() -> std::process::ExitCode {
    kura_server::cli::main()
}
