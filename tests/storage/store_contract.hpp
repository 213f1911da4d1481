#pragma once
// The contract of ports::Store (core/ports/store.hpp), as a value-parameterised gtest suite that
// every implementation runs. Include this header in exactly one test file per implementation
// (it defines the TEST_P cases) and instantiate the suite there:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContract,
//                            ::testing::Values(StoreFactory{"file", [] { return ...; }}),
//                            StoreFactoryName);
//
// The billing cases are the BillingContract suite (store_contract_billing.hpp): instantiate it
// with the same factories. The BillingTwoStoresContract suite (store_contract_billing_stores.hpp)
// credits through two store objects on one database: its factory sets open_again.
//
// Each test gets a fresh, empty, migrated store from the factory.
#include "storage/store_contract_billing.hpp"
#include "storage/store_contract_billing_stores.hpp"
#include "storage/store_contract_bot.hpp"
#include "storage/store_contract_catalog.hpp"
#include "storage/store_contract_edits.hpp"
#include "storage/store_contract_fixture.hpp"
#include "storage/store_contract_keys.hpp"
#include "storage/store_contract_leases.hpp"
#include "storage/store_contract_messages.hpp"
#include "storage/store_contract_moves.hpp"
#include "storage/store_contract_reconcile.hpp"
#include "storage/store_contract_recovery.hpp"
#include "storage/store_contract_relay.hpp"
#include "storage/store_contract_retention.hpp"
#include "storage/store_contract_subscriptions.hpp"
#include "storage/store_contract_tasks.hpp"
#include "storage/store_contract_transactions.hpp"
#include "storage/store_contract_updates.hpp"
