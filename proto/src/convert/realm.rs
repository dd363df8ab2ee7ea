//! `RealmService` ⇄ `tavern_statemachine::realm`.

use tavern_statemachine::limits::REALM_NAME_BYTES_MAX;
use tavern_statemachine::realm::{Realm, RealmCommand, RealmQuery, RealmQueryResponse};
use tavern_statemachine::QueryResponse;

use super::{bytes_max, done_reply, each, mismatch, requests, required, ConvertError, QueryReply};
use crate::pb;

impl From<Realm> for pb::Realm {
    fn from(r: Realm) -> Self {
        pb::Realm {
            id: r.id,
            name: r.name,
            cross_realm: r.cross_realm,
        }
    }
}

impl TryFrom<pb::Realm> for Realm {
    type Error = ConvertError;

    fn try_from(r: pb::Realm) -> Result<Self, ConvertError> {
        Ok(Realm {
            id: r.id,
            name: bytes_max("realm.name", r.name, REALM_NAME_BYTES_MAX)?,
            cross_realm: r.cross_realm,
        })
    }
}

fn realm_opt(r: Option<pb::Realm>) -> Result<Option<Realm>, ConvertError> {
    r.map(Realm::try_from).transpose()
}

requests! {
    /// The write RPCs of `RealmService`.
    RealmWrite => RealmCommand {
        UpsertRealm(pb::UpsertRealmRequest),
    }
}

requests! {
    /// The read RPCs of `RealmService`.
    RealmRead => RealmQuery {
        GetRealm(pb::GetRealmRequest),
        ListRealms(pb::ListRealmsRequest),
    }
}

impl From<RealmCommand> for RealmWrite {
    fn from(c: RealmCommand) -> Self {
        match c {
            RealmCommand::Upsert(realm) => RealmWrite::UpsertRealm(pb::UpsertRealmRequest {
                header: None,
                realm: Some(realm.into()),
            }),
        }
    }
}

impl From<RealmQuery> for RealmRead {
    fn from(q: RealmQuery) -> Self {
        match q {
            RealmQuery::Get { id } => RealmRead::GetRealm(pb::GetRealmRequest { header: None, id }),
            RealmQuery::List => RealmRead::ListRealms(pb::ListRealmsRequest { header: None }),
        }
    }
}

impl TryFrom<pb::UpsertRealmRequest> for RealmCommand {
    type Error = ConvertError;

    fn try_from(r: pb::UpsertRealmRequest) -> Result<Self, ConvertError> {
        Ok(RealmCommand::Upsert(
            required("realm", r.realm)?.try_into()?,
        ))
    }
}

impl TryFrom<pb::GetRealmRequest> for RealmQuery {
    type Error = ConvertError;

    fn try_from(r: pb::GetRealmRequest) -> Result<Self, ConvertError> {
        Ok(RealmQuery::Get { id: r.id })
    }
}

impl TryFrom<pb::ListRealmsRequest> for RealmQuery {
    type Error = ConvertError;

    fn try_from(_: pb::ListRealmsRequest) -> Result<Self, ConvertError> {
        Ok(RealmQuery::List)
    }
}

done_reply!(pb::UpsertRealmResponse);

impl QueryReply for pb::GetRealmResponse {
    fn from_query_response(
        header: pb::ResponseHeader,
        response: QueryResponse,
    ) -> Result<Self, ConvertError> {
        match response {
            QueryResponse::Realm(RealmQueryResponse::Realm(realm)) => Ok(Self {
                header: Some(header),
                realm: realm.map(Into::into),
            }),
            other => Err(mismatch("GetRealm", &other)),
        }
    }

    fn into_query_response(self) -> Result<QueryResponse, ConvertError> {
        Ok(QueryResponse::Realm(RealmQueryResponse::Realm(realm_opt(
            self.realm,
        )?)))
    }
}

impl QueryReply for pb::ListRealmsResponse {
    fn from_query_response(
        header: pb::ResponseHeader,
        response: QueryResponse,
    ) -> Result<Self, ConvertError> {
        match response {
            QueryResponse::Realm(RealmQueryResponse::Realms(realms)) => Ok(Self {
                header: Some(header),
                realms: realms.into_iter().map(Into::into).collect(),
            }),
            other => Err(mismatch("ListRealms", &other)),
        }
    }

    fn into_query_response(self) -> Result<QueryResponse, ConvertError> {
        Ok(QueryResponse::Realm(RealmQueryResponse::Realms(each(
            "realms",
            self.realms,
            Realm::try_from,
        )?)))
    }
}
