//! Routes each [`ChannelCommand`] to the file that applies it.

use super::{membership, moderation, speak, sweep, ChannelCommand, Rights};
use crate::command::Response;
use crate::error::Error;
use crate::txn::Txn;

pub(super) fn apply(txn: &mut Txn<'_>, cmd: &ChannelCommand) -> Result<Response, Error> {
    use moderation::Flag;
    let done = |r: Result<(), Error>| r.map(|()| Response::Done);
    match cmd {
        ChannelCommand::Join {
            id,
            name,
            channel_id,
            password,
        } => membership::join(txn, *id, name, *channel_id, password),
        ChannelCommand::Leave {
            id,
            name,
            channel_id,
        } => done(membership::leave(txn, *id, name, *channel_id)),
        ChannelCommand::Kick {
            by,
            channel,
            target_name,
        } => done(moderation::kick_or_ban(
            txn,
            *by,
            channel,
            target_name,
            false,
        )),
        ChannelCommand::Ban {
            by,
            channel,
            target_name,
        } => done(moderation::kick_or_ban(
            txn,
            *by,
            channel,
            target_name,
            true,
        )),
        ChannelCommand::Unban {
            by,
            channel,
            target_name,
        } => done(moderation::unban(txn, *by, channel, target_name)),
        ChannelCommand::SetModerator {
            by,
            channel,
            target_name,
        } => done(moderation::set_mode(
            txn,
            *by,
            channel,
            target_name,
            Flag::Moderator,
            true,
        )),
        ChannelCommand::UnsetModerator {
            by,
            channel,
            target_name,
        } => done(moderation::set_mode(
            txn,
            *by,
            channel,
            target_name,
            Flag::Moderator,
            false,
        )),
        ChannelCommand::SetMute {
            by,
            channel,
            target_name,
        } => done(moderation::set_mode(
            txn,
            *by,
            channel,
            target_name,
            Flag::Muted,
            true,
        )),
        ChannelCommand::UnsetMute {
            by,
            channel,
            target_name,
        } => done(moderation::set_mode(
            txn,
            *by,
            channel,
            target_name,
            Flag::Muted,
            false,
        )),
        ChannelCommand::SetOwner {
            by,
            channel,
            target_name,
        } => done(moderation::set_owner(txn, *by, channel, target_name)),
        ChannelCommand::SetPassword {
            by,
            channel,
            password,
        } => done(moderation::set_password(txn, *by, channel, password)),
        ChannelCommand::ToggleModeration { by, channel } => {
            moderation::toggle_moderation(txn, *by, channel)
        }
        ChannelCommand::ToggleAnnouncements { by, channel } => {
            moderation::toggle_announcements(txn, *by, channel)
        }
        ChannelCommand::Invite {
            by,
            channel,
            target_name,
        } => done(moderation::invite(txn, *by, channel, target_name)),
        ChannelCommand::SetRights {
            name,
            flags,
            speak_delay_s,
            join_message,
            delay_message,
            moderators,
        } => done(sweep::set_rights(
            txn,
            Rights {
                name: name.clone(),
                flags: *flags,
                speak_delay_s: *speak_delay_s,
                join_message: join_message.clone(),
                delay_message: delay_message.clone(),
                moderators: moderators.clone(),
            },
        )),
        ChannelCommand::RemoveRights { name } => done(sweep::remove_rights(txn, name)),
        ChannelCommand::Speak { id, channel } => speak::speak(txn, *id, channel),
        ChannelCommand::Cleanup => sweep::cleanup(txn),
        ChannelCommand::ExpireBans => sweep::expire_bans(txn),
    }
}
