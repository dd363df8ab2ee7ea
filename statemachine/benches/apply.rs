//! The state machine's `apply` on its own, for a few commands: what one log entry costs a node
//! before RocksDB and the network: `cargo bench --workspace --bench apply` (builds only this
//! crate and criterion, in release).
//!
//! Each benchmark applies one entry to a `MemView` holding a small world (`Sim::world`: a
//! realm, a gateway, 64 characters, half online in "Trade - City"), without writing the
//! mutations back, so every iteration sees the same state. The `request` variants carry a
//! request id (the exactly-once session check every client write goes through).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use tavern_statemachine::channel::ChannelCommand;
use tavern_statemachine::mail::{stationery, MailCommand, MailSender, SendMail};
use tavern_statemachine::presence::{Login, PresenceCommand, PresenceUpdate};
use tavern_statemachine::social::SocialCommand;
use tavern_statemachine::testkit::{name_of, Sim};
use tavern_statemachine::{apply, CharacterId, Command, Entry, RequestId};

const CHARACTERS: u32 = 64;

fn c(i: u32) -> CharacterId {
    CharacterId::new(1, i)
}

fn world() -> Sim {
    let mut sim = Sim::world(CHARACTERS);
    for i in (1..=CHARACTERS).step_by(2) {
        sim.login(c(i), "gw1");
        sim.ok(ChannelCommand::Join {
            id: c(i),
            name: "Trade - City".into(),
            channel_id: 2,
            password: String::new(),
        });
    }
    sim
}

fn mail(body_bytes: usize) -> Command {
    Command::Mail(MailCommand::Send(SendMail {
        sender: MailSender::Creature(34_337),
        receiver: c(2),
        subject: "bench".into(),
        body: "x".repeat(body_bytes),
        money: 0,
        cod: 0,
        items: Vec::new(),
        stationery: stationery::DEFAULT,
        template_id: 0,
        expire_override_ms: None,
        deliver_delay_ms: None,
    }))
}

fn bench_apply(crit: &mut Criterion) {
    let sim = world();
    let now = sim.now_ms + 1;
    let cases: Vec<(&str, Command)> = vec![
        ("send_mail_256", mail(256)),
        (
            "login",
            Command::Presence(PresenceCommand::Login(Login {
                id: c(2),
                gateway: "gw1".into(),
                zone: 1,
                area: 1,
                map: 0,
                level: 80,
                guild_id: 0,
                worldserver: None,
            })),
        ),
        (
            "presence_update_5",
            Command::Presence(PresenceCommand::Update {
                gateway: "gw1".into(),
                updates: (1..=5)
                    .map(|k| PresenceUpdate {
                        id: c(2 * k - 1),
                        level: None,
                        zone: Some(4),
                        area: Some(7),
                        map: None,
                        guild_id: None,
                        worldserver: None,
                        in_cross_realm_instance: None,
                    })
                    .collect(),
            }),
        ),
        (
            "channel_join",
            Command::Channel(ChannelCommand::Join {
                id: c(1),
                name: "General - Dalaran".into(),
                channel_id: 1,
                password: String::new(),
            }),
        ),
        (
            "add_friend",
            Command::Social(SocialCommand::AddFriend {
                owner: c(1),
                name: name_of(3),
                note: String::new(),
            }),
        ),
    ];
    let mut group = crit.benchmark_group("apply");
    for (name, command) in cases {
        let entry = Entry::new(now, command.clone());
        group.bench_function(name, |b| {
            b.iter(|| apply(black_box(&sim.state), black_box(&entry)))
        });
        let mut seq = 0;
        group.bench_function(format!("{name}_request"), |b| {
            b.iter(|| {
                seq += 1;
                let entry = Entry::new(now, command.clone()).with_request(RequestId {
                    client: 7,
                    seq,
                    ack_below: seq,
                });
                apply(black_box(&sim.state), black_box(&entry))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_apply);
criterion_main!(benches);
