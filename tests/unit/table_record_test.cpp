// SPDX-License-Identifier: GPL-2.0-or-later
// Which libvirt_network tables the networks' recorded rules are in: a table
// with another handle, or in another boot or namespace, is another table.
#include "network/table_record.hpp"

#include "support/dbus_lab.hpp"
#include "support/files.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

namespace vnf {
namespace {

using network::TableHandles;
using network::TableRecord;
using Families = std::set<std::string>;

TEST(TableRecord, TextRoundTrips)
{
    const TableHandles tables{{"ip", 5}, {"ip6", 12}};
    const std::string text = network::formatTableRecord("boot-1 4026531840", tables);
    EXPECT_EQ(text, "boot-1 4026531840\nip 5\nip6 12\n");
    std::string scope;
    TableHandles back;
    ASSERT_TRUE(network::parseTableRecord(text, scope, back));
    EXPECT_EQ(scope, "boot-1 4026531840");
    EXPECT_EQ(back, tables);
    EXPECT_FALSE(network::parseTableRecord("", scope, back));
    EXPECT_FALSE(network::parseTableRecord("boot\nip five\n", scope, back));
    EXPECT_FALSE(network::parseTableRecord("boot\nip 5 6\n", scope, back));
}

TEST(TableRecord, NothingRecordedTrustsTheRecords)
{
    test::TempDir dir;
    const auto file = dir.path() / "libvirt_network.tables";
    TableRecord record(file, "boot-1 1");
    EXPECT_EQ(record.replaced({{"ip", 5}, {"ip6", 6}}), Families{});
    // The iptables backend has no tables: nothing written.
    record.seen({}, true);
    EXPECT_FALSE(std::filesystem::exists(file));
    // Not ahead of the networks' records: written once they are.
    record.seen({{"ip", 5}, {"ip6", 6}}, false);
    EXPECT_FALSE(std::filesystem::exists(file));
    EXPECT_EQ(record.replaced({{"ip", 5}, {"ip6", 6}}), Families{});  // seen all the same
    record.seen({{"ip", 5}, {"ip6", 6}}, true);
    EXPECT_EQ(test::readFile(file), "boot-1 1\nip 5\nip6 6\n");
}

TEST(TableRecord, ATableWithAnotherHandleIsAnotherTable)
{
    test::TempDir dir;
    const auto file = dir.path() / "libvirt_network.tables";
    TableRecord(file, "boot-1 1").seen({{"ip", 5}, {"ip6", 6}}, true);

    // The next daemon, same boot and namespace.
    TableRecord record(file, "boot-1 1");
    EXPECT_EQ(record.replaced({{"ip", 5}, {"ip6", 6}}), Families{});
    EXPECT_EQ(record.replaced({{"ip", 9}, {"ip6", 6}}), Families{"ip"});
    // No table, or its handle not known: ensureGlobal says what is gone.
    EXPECT_EQ(record.replaced({{"ip6", 6}}), Families{});
    // Once seen, the new table is the one.
    record.seen({{"ip", 9}, {"ip6", 6}}, true);
    EXPECT_EQ(record.replaced({{"ip", 9}, {"ip6", 6}}), Families{});
    EXPECT_EQ(test::readFile(file), "boot-1 1\nip 9\nip6 6\n");
}

// Handles start again with a boot or a namespace: the same number names
// another table.
TEST(TableRecord, AnotherBootOrNamespaceHasOtherTables)
{
    test::TempDir dir;
    const auto file = dir.path() / "libvirt_network.tables";
    TableRecord(file, "boot-1 1").seen({{"ip", 5}, {"ip6", 6}}, true);
    EXPECT_EQ(TableRecord(file, "boot-2 1").replaced({{"ip", 5}, {"ip6", 6}}), (Families{"ip", "ip6"}));
    EXPECT_EQ(TableRecord(file, "boot-1 2").replaced({{"ip", 5}}), Families{"ip"});
}

TEST(TableRecord, AnUnreadableRecordIsIgnored)
{
    test::TempDir dir;
    const auto file = dir.path() / "libvirt_network.tables";
    std::ofstream(file) << "not a record\nip x\n";
    EXPECT_EQ(TableRecord(file, "boot-1 1").replaced({{"ip", 5}}), Families{});
}

TEST(TableRecord, ScopeNamesTheBootAndTheNamespace)
{
    const std::string scope = network::handleScope();
    EXPECT_EQ(scope.find("unknown"), std::string::npos) << scope;
    EXPECT_EQ(std::count(scope.begin(), scope.end(), ' '), 1) << scope;
}

} // namespace
} // namespace vnf
