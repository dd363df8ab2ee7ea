//! `AccountService` ⇄ `tavern_statemachine::account`.

use tavern_statemachine::account::{Account, AccountCommand, AccountQuery, AccountQueryResponse};
use tavern_statemachine::limits::{LOCALE_BYTES_MAX, USERNAME_BYTES_MAX};
use tavern_statemachine::QueryResponse;

use super::{byte, bytes_max, done_reply, mismatch, requests, ConvertError, QueryReply};
use crate::pb;

impl From<Account> for pb::Account {
    fn from(a: Account) -> Self {
        pb::Account {
            id: a.id,
            username: a.username,
            locale: a.locale,
            locked: a.locked,
            gm_level: a.gm_level.into(),
        }
    }
}

impl TryFrom<pb::Account> for Account {
    type Error = ConvertError;

    fn try_from(a: pb::Account) -> Result<Self, ConvertError> {
        Ok(Account {
            id: a.id,
            username: bytes_max("account.username", a.username, USERNAME_BYTES_MAX)?,
            locale: bytes_max("account.locale", a.locale, LOCALE_BYTES_MAX)?,
            locked: a.locked,
            gm_level: byte("account.gm_level", a.gm_level)?,
        })
    }
}

fn account_opt(a: Option<pb::Account>) -> Result<Option<Account>, ConvertError> {
    a.map(Account::try_from).transpose()
}

requests! {
    /// The write RPCs of `AccountService`.
    AccountWrite => AccountCommand {
        UpsertAccount(pb::UpsertAccountRequest),
        SetAccountLocked(pb::SetAccountLockedRequest),
        SetAccountGmLevel(pb::SetAccountGmLevelRequest),
    }
}

requests! {
    /// The read RPCs of `AccountService`.
    AccountRead => AccountQuery {
        GetAccount(pb::GetAccountRequest),
        GetAccountByUsername(pb::GetAccountByUsernameRequest),
    }
}

impl From<AccountCommand> for AccountWrite {
    fn from(c: AccountCommand) -> Self {
        match c {
            AccountCommand::Upsert {
                id,
                username,
                locale,
            } => AccountWrite::UpsertAccount(pb::UpsertAccountRequest {
                header: None,
                id,
                username,
                locale,
            }),
            AccountCommand::SetLocked { id, locked } => {
                AccountWrite::SetAccountLocked(pb::SetAccountLockedRequest {
                    header: None,
                    id,
                    locked,
                })
            }
            AccountCommand::SetGmLevel { id, gm_level } => {
                AccountWrite::SetAccountGmLevel(pb::SetAccountGmLevelRequest {
                    header: None,
                    id,
                    gm_level: gm_level.into(),
                })
            }
        }
    }
}

impl From<AccountQuery> for AccountRead {
    fn from(q: AccountQuery) -> Self {
        match q {
            AccountQuery::Get { id } => {
                AccountRead::GetAccount(pb::GetAccountRequest { header: None, id })
            }
            AccountQuery::ByUsername { username } => {
                AccountRead::GetAccountByUsername(pb::GetAccountByUsernameRequest {
                    header: None,
                    username,
                })
            }
        }
    }
}

impl TryFrom<pb::UpsertAccountRequest> for AccountCommand {
    type Error = ConvertError;

    fn try_from(r: pb::UpsertAccountRequest) -> Result<Self, ConvertError> {
        Ok(AccountCommand::Upsert {
            id: r.id,
            username: bytes_max("account.username", r.username, USERNAME_BYTES_MAX)?,
            locale: bytes_max("account.locale", r.locale, LOCALE_BYTES_MAX)?,
        })
    }
}

impl TryFrom<pb::SetAccountLockedRequest> for AccountCommand {
    type Error = ConvertError;

    fn try_from(r: pb::SetAccountLockedRequest) -> Result<Self, ConvertError> {
        Ok(AccountCommand::SetLocked {
            id: r.id,
            locked: r.locked,
        })
    }
}

impl TryFrom<pb::SetAccountGmLevelRequest> for AccountCommand {
    type Error = ConvertError;

    fn try_from(r: pb::SetAccountGmLevelRequest) -> Result<Self, ConvertError> {
        Ok(AccountCommand::SetGmLevel {
            id: r.id,
            gm_level: byte("account.gm_level", r.gm_level)?,
        })
    }
}

impl TryFrom<pb::GetAccountRequest> for AccountQuery {
    type Error = ConvertError;

    fn try_from(r: pb::GetAccountRequest) -> Result<Self, ConvertError> {
        Ok(AccountQuery::Get { id: r.id })
    }
}

impl TryFrom<pb::GetAccountByUsernameRequest> for AccountQuery {
    type Error = ConvertError;

    fn try_from(r: pb::GetAccountByUsernameRequest) -> Result<Self, ConvertError> {
        Ok(AccountQuery::ByUsername {
            username: bytes_max("account.username", r.username, USERNAME_BYTES_MAX)?,
        })
    }
}

done_reply!(
    pb::UpsertAccountResponse,
    pb::SetAccountLockedResponse,
    pb::SetAccountGmLevelResponse,
);

/// Both account reads answer one optional account.
macro_rules! account_reply {
    ($($msg:ty => $rpc:literal),+ $(,)?) => {
        $(impl QueryReply for $msg {
            fn from_query_response(
                header: pb::ResponseHeader,
                response: QueryResponse,
            ) -> Result<Self, ConvertError> {
                match response {
                    QueryResponse::Account(AccountQueryResponse::Account(account)) => Ok(Self {
                        header: Some(header),
                        account: account.map(Into::into),
                    }),
                    other => Err(mismatch($rpc, &other)),
                }
            }

            fn into_query_response(self) -> Result<QueryResponse, ConvertError> {
                Ok(QueryResponse::Account(AccountQueryResponse::Account(
                    account_opt(self.account)?,
                )))
            }
        })+
    };
}

account_reply!(
    pb::GetAccountResponse => "GetAccount",
    pb::GetAccountByUsernameResponse => "GetAccountByUsername",
);
