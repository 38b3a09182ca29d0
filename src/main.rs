fn main() -> std::process::ExitCode {
    mbx::cli::main()
}
