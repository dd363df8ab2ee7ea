//! `tavern demo` runs its story to the end against the three processes it starts, with the
//! leader SIGKILLed midway, and exits 0 (the README's command).

mod harness;

use std::process::Stdio;

#[test]
fn the_demo_tells_its_story_through_a_leader_kill() {
    let output = harness::tavern()
        .arg("demo")
        .stdin(Stdio::null())
        .output()
        .expect("run tavern demo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "tavern demo failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    for line in [
        "Arthas adds Jaina: AddedOnline",
        "Jaina (1:2) online via gw-south-1 in zone 4395, 1 friend(s) told -> it tells Arthas",
        "Arthas (1:1) online via gw-north-1 in zone 4395, 1 friend(s) told -> it tells Jaina",
        "gw-north-1 receives (index",
        "mail 2 for 1:1, told through gw-north-1",
        "gw-north-1's stream: ",
        "across the kill, none twice",
        "Uther speaks: refused, channel: Muted",
        "SIGKILL: the leader",
        "written on the new leader",
        "Falric takes it again: refused",
        "Arthas takes 500 gold, once",
        "applied false, nothing changes",
        "one game this week though reported twice",
        "The end.",
    ] {
        assert!(stdout.contains(line), "no {line:?} in:\n{stdout}");
    }
}
