//! [`domain_service!`]: one gRPC service from its list of RPCs.

/// Declares `$svc<N>`, implements tonic's generated `$module::$trait` for it with one line per
/// RPC, and adds `$svc::server(node, limits)`, the size-limited tonic server.
///
/// A write RPC takes the request header out of the message (its request id), converts the
/// rest with `TryFrom` into `$command`, wraps it as `Command::$domain` and hands it to
/// [`super::write`]; a read does the same with `$query`, `Query::$domain`, the header's read
/// level and [`super::read`].
macro_rules! domain_service {
    (
        $(#[$doc:meta])*
        $svc:ident: $module:ident::$trait:ident, $server:ident;
        $domain:ident: $command:ty, $query:ty;
        write { $($write:ident($write_req:ident) -> $write_resp:ident;)* }
        read { $($read:ident($read_req:ident) -> $read_resp:ident;)* }
    ) => {
        $(#[$doc])*
        pub(crate) struct $svc<N> {
            node: std::sync::Arc<N>,
        }

        impl<N> std::fmt::Debug for $svc<N> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($svc)).finish_non_exhaustive()
            }
        }

        impl<N: $crate::api::Node> $svc<N> {
            pub(crate) fn server(
                node: std::sync::Arc<N>,
                limits: $crate::service::ServiceLimits,
            ) -> tavern_proto::pb::$module::$server<Self> {
                tavern_proto::pb::$module::$server::new($svc { node })
                    .max_decoding_message_size(limits.request_bytes_max)
            }
        }

        #[tonic::async_trait]
        impl<N: $crate::api::Node> tavern_proto::pb::$module::$trait for $svc<N> {
            $(
                async fn $write(
                    &self,
                    request: tonic::Request<tavern_proto::pb::$write_req>,
                ) -> Result<tonic::Response<tavern_proto::pb::$write_resp>, tonic::Status> {
                    let mut message = request.into_inner();
                    let header = tavern_proto::RequestHeader::from(message.header.take());
                    let command = <$command>::try_from(message)
                        .map(tavern_statemachine::Command::$domain);
                    $crate::service::write(&*self.node, stringify!($write), header, command).await
                }
            )*
            $(
                async fn $read(
                    &self,
                    request: tonic::Request<tavern_proto::pb::$read_req>,
                ) -> Result<tonic::Response<tavern_proto::pb::$read_resp>, tonic::Status> {
                    let mut message = request.into_inner();
                    let header = tavern_proto::RequestHeader::from(message.header.take());
                    let query = <$query>::try_from(message)
                        .map(tavern_statemachine::Query::$domain);
                    $crate::service::read(&*self.node, stringify!($read), header, query).await
                }
            )*
        }
    };
}
