//! The `simcall` command; everything it does lives in the library.
fn main() {
    std::process::exit(simcall::cli::main());
}
