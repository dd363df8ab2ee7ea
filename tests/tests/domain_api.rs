//! The domain API suite (`tavern_tests::domain_api`), run twice with the same expectations:
//! on the bare state machine, and through `tavern-gateway` on a three-node cluster of real
//! nodes over gRPC. A difference between the two (a field the wire loses, an error mapped to
//! another, a call routed to the wrong RPC) fails one of them.

use std::time::Duration;

use tavern_gateway::{Client, ClientOptions};
use tavern_tests::cluster::Cluster;
use tavern_tests::domain_api;
use tavern_tests::sim::SimBackend;

#[tokio::test]
async fn the_domain_api_on_the_bare_state_machine() {
    domain_api::run(&SimBackend::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_domain_api_through_the_gateway_on_a_three_node_cluster() {
    let cluster = Cluster::start(3).await;
    let options = ClientOptions {
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(300),
        retries_max: 100,
        ..ClientOptions::default()
    };
    let client = Client::connect(cluster.endpoints(), options).expect("client");
    domain_api::run(&client).await;
    cluster.stop_all().await;
}
