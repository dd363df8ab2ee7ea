//! `CharacterService` ⇄ `tavern_statemachine::character`.

use tavern_statemachine::character::{
    Character, CharacterCommand, CharacterQuery, CharacterQueryResponse, CharacterResponse,
};
use tavern_statemachine::limits::CHARACTER_NAME_CHARS_MAX;
use tavern_statemachine::{QueryResponse, Response};

use super::{
    byte, bytes_max, character_id, done_reply, each, mismatch, requests, ConvertError, QueryReply,
    WriteReply,
};
use crate::pb;

/// The most bytes a character name may take on the wire: [`CHARACTER_NAME_CHARS_MAX`]
/// characters of at most 4 UTF-8 bytes each. Shorter names that are still too long (13 to 48
/// bytes) pass, so the state machine answers them with the game's `NameTooLong` code.
pub const CHARACTER_NAME_BYTES_MAX: usize = CHARACTER_NAME_CHARS_MAX * 4;

impl From<Character> for pb::Character {
    fn from(c: Character) -> Self {
        pb::Character {
            id: Some(c.id.into()),
            account: c.account,
            name: c.name,
            race: c.race.into(),
            class_id: c.class.into(),
            gender: c.gender.into(),
            level: c.level.into(),
            created_ms: c.created_ms,
        }
    }
}

impl TryFrom<pb::Character> for Character {
    type Error = ConvertError;

    fn try_from(c: pb::Character) -> Result<Self, ConvertError> {
        Ok(Character {
            id: character_id("character.id", c.id)?,
            account: c.account,
            name: bytes_max("character.name", c.name, CHARACTER_NAME_BYTES_MAX)?,
            race: byte("character.race", c.race)?,
            class: byte("character.class", c.class_id)?,
            gender: byte("character.gender", c.gender)?,
            level: byte("character.level", c.level)?,
            created_ms: c.created_ms,
        })
    }
}

fn character_opt(c: Option<pb::Character>) -> Result<Option<Character>, ConvertError> {
    c.map(Character::try_from).transpose()
}

requests! {
    /// The write RPCs of `CharacterService`.
    CharacterWrite => CharacterCommand {
        CreateCharacter(pb::CreateCharacterRequest),
        RenameCharacter(pb::RenameCharacterRequest),
        DeleteCharacter(pb::DeleteCharacterRequest),
    }
}

requests! {
    /// The read RPCs of `CharacterService`.
    CharacterRead => CharacterQuery {
        GetCharacter(pb::GetCharacterRequest),
        GetCharacterByName(pb::GetCharacterByNameRequest),
        ListCharactersOfAccount(pb::ListCharactersOfAccountRequest),
    }
}

impl From<CharacterCommand> for CharacterWrite {
    fn from(c: CharacterCommand) -> Self {
        match c {
            CharacterCommand::Create {
                id,
                account,
                name,
                race,
                class,
                gender,
                level,
            } => CharacterWrite::CreateCharacter(pb::CreateCharacterRequest {
                header: None,
                id: Some(id.into()),
                account,
                name,
                race: race.into(),
                class_id: class.into(),
                gender: gender.into(),
                level: level.into(),
            }),
            CharacterCommand::Rename { id, name } => {
                CharacterWrite::RenameCharacter(pb::RenameCharacterRequest {
                    header: None,
                    id: Some(id.into()),
                    name,
                })
            }
            CharacterCommand::Delete { id } => {
                CharacterWrite::DeleteCharacter(pb::DeleteCharacterRequest {
                    header: None,
                    id: Some(id.into()),
                })
            }
        }
    }
}

impl From<CharacterQuery> for CharacterRead {
    fn from(q: CharacterQuery) -> Self {
        match q {
            CharacterQuery::Get { id } => CharacterRead::GetCharacter(pb::GetCharacterRequest {
                header: None,
                id: Some(id.into()),
            }),
            CharacterQuery::ByName { realm, name } => {
                CharacterRead::GetCharacterByName(pb::GetCharacterByNameRequest {
                    header: None,
                    realm,
                    name,
                })
            }
            CharacterQuery::ForAccount { account, realm } => {
                CharacterRead::ListCharactersOfAccount(pb::ListCharactersOfAccountRequest {
                    header: None,
                    account,
                    realm,
                })
            }
        }
    }
}

impl TryFrom<pb::CreateCharacterRequest> for CharacterCommand {
    type Error = ConvertError;

    fn try_from(r: pb::CreateCharacterRequest) -> Result<Self, ConvertError> {
        Ok(CharacterCommand::Create {
            id: character_id("character.id", r.id)?,
            account: r.account,
            name: bytes_max("character.name", r.name, CHARACTER_NAME_BYTES_MAX)?,
            race: byte("character.race", r.race)?,
            class: byte("character.class", r.class_id)?,
            gender: byte("character.gender", r.gender)?,
            level: byte("character.level", r.level)?,
        })
    }
}

impl TryFrom<pb::RenameCharacterRequest> for CharacterCommand {
    type Error = ConvertError;

    fn try_from(r: pb::RenameCharacterRequest) -> Result<Self, ConvertError> {
        Ok(CharacterCommand::Rename {
            id: character_id("character.id", r.id)?,
            name: bytes_max("character.name", r.name, CHARACTER_NAME_BYTES_MAX)?,
        })
    }
}

impl TryFrom<pb::DeleteCharacterRequest> for CharacterCommand {
    type Error = ConvertError;

    fn try_from(r: pb::DeleteCharacterRequest) -> Result<Self, ConvertError> {
        Ok(CharacterCommand::Delete {
            id: character_id("character.id", r.id)?,
        })
    }
}

impl TryFrom<pb::GetCharacterRequest> for CharacterQuery {
    type Error = ConvertError;

    fn try_from(r: pb::GetCharacterRequest) -> Result<Self, ConvertError> {
        Ok(CharacterQuery::Get {
            id: character_id("character.id", r.id)?,
        })
    }
}

impl TryFrom<pb::GetCharacterByNameRequest> for CharacterQuery {
    type Error = ConvertError;

    fn try_from(r: pb::GetCharacterByNameRequest) -> Result<Self, ConvertError> {
        Ok(CharacterQuery::ByName {
            realm: r.realm,
            name: bytes_max("character.name", r.name, CHARACTER_NAME_BYTES_MAX)?,
        })
    }
}

impl TryFrom<pb::ListCharactersOfAccountRequest> for CharacterQuery {
    type Error = ConvertError;

    fn try_from(r: pb::ListCharactersOfAccountRequest) -> Result<Self, ConvertError> {
        Ok(CharacterQuery::ForAccount {
            account: r.account,
            realm: r.realm,
        })
    }
}

/// Create and rename both answer the stored name.
macro_rules! named_reply {
    ($($msg:ty => $rpc:literal),+ $(,)?) => {
        $(impl WriteReply for $msg {
            fn from_response(
                header: pb::ResponseHeader,
                response: Response,
            ) -> Result<Self, ConvertError> {
                match response {
                    Response::Character(CharacterResponse::Named { id, name }) => Ok(Self {
                        header: Some(header),
                        id: Some(id.into()),
                        name,
                    }),
                    other => Err(mismatch($rpc, &other)),
                }
            }

            fn into_response(self) -> Result<Response, ConvertError> {
                Ok(Response::Character(CharacterResponse::Named {
                    id: character_id("character.id", self.id)?,
                    name: bytes_max("character.name", self.name, CHARACTER_NAME_BYTES_MAX)?,
                }))
            }
        })+
    };
}

named_reply!(
    pb::CreateCharacterResponse => "CreateCharacter",
    pb::RenameCharacterResponse => "RenameCharacter",
);

done_reply!(pb::DeleteCharacterResponse);

/// Get and by-name both answer one optional character.
macro_rules! character_reply {
    ($($msg:ty => $rpc:literal),+ $(,)?) => {
        $(impl QueryReply for $msg {
            fn from_query_response(
                header: pb::ResponseHeader,
                response: QueryResponse,
            ) -> Result<Self, ConvertError> {
                match response {
                    QueryResponse::Character(CharacterQueryResponse::Character(c)) => Ok(Self {
                        header: Some(header),
                        character: c.map(Into::into),
                    }),
                    other => Err(mismatch($rpc, &other)),
                }
            }

            fn into_query_response(self) -> Result<QueryResponse, ConvertError> {
                Ok(QueryResponse::Character(CharacterQueryResponse::Character(
                    character_opt(self.character)?,
                )))
            }
        })+
    };
}

character_reply!(
    pb::GetCharacterResponse => "GetCharacter",
    pb::GetCharacterByNameResponse => "GetCharacterByName",
);

impl QueryReply for pb::ListCharactersOfAccountResponse {
    fn from_query_response(
        header: pb::ResponseHeader,
        response: QueryResponse,
    ) -> Result<Self, ConvertError> {
        match response {
            QueryResponse::Character(CharacterQueryResponse::Characters(cs)) => Ok(Self {
                header: Some(header),
                characters: cs.into_iter().map(Into::into).collect(),
            }),
            other => Err(mismatch("ListCharactersOfAccount", &other)),
        }
    }

    fn into_query_response(self) -> Result<QueryResponse, ConvertError> {
        Ok(QueryResponse::Character(
            CharacterQueryResponse::Characters(each(
                "characters",
                self.characters,
                Character::try_from,
            )?),
        ))
    }
}
