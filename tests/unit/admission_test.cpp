// SPDX-License-Identifier: GPL-2.0-or-later
// Calls in flight are bounded per connection, per user and in all
// (hardening issue, item 4); a slot comes back with its ticket.
#include "dbus/admission.hpp"

#include <gtest/gtest.h>

using namespace vnf::dbus;

TEST(Admission, LimitsPerConnectionPerUserAndTotal)
{
    Admission admission({2, 3, 4});
    std::string why;
    auto a1 = admission.admit(":1.1", 1000, 0, why);
    auto a2 = admission.admit(":1.1", 1000, 0, why);
    ASSERT_TRUE(a1 && a2);
    EXPECT_FALSE(admission.admit(":1.1", 1000, 0, why));
    EXPECT_NE(why.find("max_calls_per_connection"), std::string::npos) << why;
    auto b1 = admission.admit(":1.2", 1000, 0, why);
    ASSERT_TRUE(b1);
    EXPECT_FALSE(admission.admit(":1.3", 1000, 0, why));
    EXPECT_NE(why.find("max_calls_per_user"), std::string::npos) << why;
    // Another user still gets in, up to the total.
    auto c1 = admission.admit(":1.4", 0, 0, why);
    ASSERT_TRUE(c1);
    EXPECT_FALSE(admission.admit(":1.5", 0, 0, why));
    EXPECT_NE(why.find("max_calls"), std::string::npos) << why;
    EXPECT_EQ(admission.inFlight(), 4u);
    a1.reset();
    EXPECT_EQ(admission.inFlight(), 3u);
    EXPECT_TRUE(admission.admit(":1.1", 1000, 0, why));
}

TEST(Admission, CallerGoneIsSeenByItsTickets)
{
    Admission admission({});
    std::string why;
    auto a = admission.admit(":1.7", 1000, 0, why);
    auto b = admission.admit(":1.8", 1000, 0, why);
    EXPECT_FALSE(a->callerGone());
    admission.senderGone(":1.7");
    EXPECT_TRUE(a->callerGone());
    EXPECT_FALSE(b->callerGone());
}

TEST(Admission, TicketsMayOutliveTheAdmission)
{
    std::unique_ptr<Admission::Ticket> late;
    {
        Admission admission({});
        std::string why;
        late = admission.admit(":1.9", 0, 0, why);
    }
    late.reset();  // must not touch freed memory (ASan would say)
    SUCCEED();
}

TEST(Admission, BytesInFlightPerUser)
{
    AdmissionLimits limits;
    limits.bytesPerUser = 3000;
    Admission admission(limits);
    std::string why;
    auto big = admission.admit(":1.1", 1000, 5000, why);  // a user's first call always gets in
    ASSERT_TRUE(big);
    EXPECT_FALSE(admission.admit(":1.2", 1000, 10, why));
    EXPECT_NE(why.find("max_call_bytes_per_user"), std::string::npos) << why;
    EXPECT_TRUE(admission.admit(":1.3", 0, 2000, why));  // root has its own budget
    big.reset();
    EXPECT_TRUE(admission.admit(":1.2", 1000, 2000, why));
}
