//! Completions generated from the clap definitions load in a real bash.

use std::process::Command;

#[test]
fn bash_completions_source_and_register() {
    let Ok(probe) = Command::new("bash").arg("--version").output() else {
        panic!("bash is needed for this test");
    };
    assert!(probe.status.success());
    let script = format!(
        "source <('{}' completions bash) && complete -p mbx && \
         COMP_WORDS=(mbx con); COMP_CWORD=1; COMP_LINE='mbx con'; COMP_POINT=7; \
         _mbx mbx con mbx; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        env!("CARGO_BIN_EXE_mbx")
    );
    let o = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("-F _mbx mbx"), "{out}");
    assert!(out.lines().any(|l| l == "config"), "{out}");
}
