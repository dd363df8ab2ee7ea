//! The arena queries: a team by id or name, its roster, a character's teams, its invite.
//! Week counters are shown as of the realm's current week.

use crate::error::Error;
use crate::limits::ARENA_TEAM_NAME_CHARS_MAX;
use crate::txn::Txn;

use super::store::{self, ArenaTeam, ARENA_SLOTS};
use super::{ArenaQuery, ArenaQueryResponse, InviteView, Roster, RosterMember, SlotTeam};

fn roster(txn: &Txn<'_>, team: ArenaTeam) -> Result<Roster, Error> {
    let mut out = Vec::new();
    for member in store::members(txn, &team)? {
        let character = crate::character::get(txn, member.id)?;
        let presence = crate::presence::get(txn, member.id)?;
        let mmr = store::get_mmr(txn, member.id, team.slot())?;
        out.push(RosterMember {
            name: character
                .as_ref()
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            class: character.map(|c| c.class).unwrap_or(0),
            online: presence.is_some(),
            level: presence.map(|p| p.level).unwrap_or(0),
            captain: member.id == team.captain,
            matchmaker_rating: mmr.map(|m| m.rating).unwrap_or(0),
            member,
        });
    }
    Ok(Roster { team, members: out })
}

pub(crate) fn query(txn: &Txn<'_>, q: &ArenaQuery) -> Result<ArenaQueryResponse, Error> {
    Ok(match q {
        ArenaQuery::Team { realm, team_id } => {
            ArenaQueryResponse::Team(store::get_team(txn, *realm, *team_id)?)
        }
        ArenaQuery::TeamByName { realm, name } => {
            let team = if name.is_empty() || name.chars().count() > ARENA_TEAM_NAME_CHARS_MAX {
                None
            } else {
                match txn.get::<u32>(&store::name_key(*realm, name))? {
                    Some(id) => store::get_team(txn, *realm, id)?,
                    None => None,
                }
            };
            ArenaQueryResponse::Team(team)
        }
        ArenaQuery::Roster { realm, team_id } => {
            ArenaQueryResponse::Roster(match store::get_team(txn, *realm, *team_id)? {
                Some(team) => Some(roster(txn, team)?),
                None => None,
            })
        }
        ArenaQuery::TeamsOf { id } => {
            let mut out = Vec::new();
            for slot in 0..ARENA_SLOTS {
                let Some(team_id) = store::team_in_slot(txn, *id, slot)? else {
                    continue;
                };
                let Some(team) = store::get_team(txn, id.realm, team_id)? else {
                    continue;
                };
                let Some(member) = store::get_member(txn, &team, *id)? else {
                    continue;
                };
                let mmr = store::get_mmr(txn, *id, slot)?;
                out.push(SlotTeam {
                    slot,
                    team,
                    member,
                    matchmaker_rating: mmr.map(|m| m.rating).unwrap_or(0),
                });
            }
            ArenaQueryResponse::TeamsOf(out)
        }
        ArenaQuery::Invite { id } => {
            let view = match store::live_invite(txn, *id)? {
                Some(invite) => {
                    let team = store::get_team(txn, id.realm, invite.team_id)?;
                    Some(InviteView {
                        team_name: team.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
                        arena_type: team.map(|t| t.arena_type).unwrap_or(0),
                        inviter_name: store::name_of(txn, invite.inviter)?,
                        invite,
                    })
                }
                None => None,
            };
            ArenaQueryResponse::Invite(view)
        }
    })
}
