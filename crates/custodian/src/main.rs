//! The `custodian` binary; everything is in the library.

fn main() -> std::process::ExitCode {
    custodian::main()
}
