// SPDX-License-Identifier: GPL-2.0-or-later
#include "dbus/admission.hpp"

namespace vnf::dbus {

Admission::Admission(AdmissionLimits limits) : state_(std::make_shared<State>())
{
    state_->limits = limits;
}

Admission::Ticket::Ticket(std::shared_ptr<State> owner, std::string sender, size_t bytes,
                          std::shared_ptr<std::atomic<bool>> gone)
    : owner_(std::move(owner)), sender_(std::move(sender)), bytes_(bytes), gone_(std::move(gone))
{
}

Admission::Ticket::~Ticket()
{
    owner_->release(sender_, uid_, bytes_);
}

size_t Admission::inFlight() const
{
    return state_->total;
}

std::unique_ptr<Admission::Ticket> Admission::admit(const std::string& sender, size_t bytes, std::string& refusal)
{
    State& st = *state_;
    auto s = st.senders.find(sender);
    const size_t connectionCalls = s == st.senders.end() ? 0 : s->second.calls;
    if (connectionCalls >= st.limits.perConnection) {
        refusal = "this connection has " + std::to_string(connectionCalls) +
                  " calls in flight, the limit (max_calls_per_connection); wait for their answers";
        return nullptr;
    }
    if (st.total >= st.limits.total) {
        refusal = "the service has " + std::to_string(st.total) + " calls in flight, the limit (max_calls); try again";
        return nullptr;
    }
    if (st.total > 0 && st.totalBytes + bytes > st.limits.bytesTotal) {
        refusal = "the service has " + std::to_string(st.totalBytes) +
                  " bytes of calls in flight, the limit (max_call_bytes); try again";
        return nullptr;
    }
    State::Sender& entry = st.senders[sender];
    ++entry.calls;
    ++st.total;
    st.totalBytes += bytes;
    return std::make_unique<Ticket>(state_, sender, bytes, entry.gone);
}

bool Admission::assignUser(Ticket& ticket, uid_t uid, std::string& refusal)
{
    State& st = *state_;
    auto u = st.users.find(uid);
    const State::User user = u == st.users.end() ? State::User{} : u->second;
    if (user.calls >= st.limits.perUser) {
        refusal = "this user has " + std::to_string(user.calls) +
                  " calls in flight, the limit (max_calls_per_user); wait for their answers";
        return false;
    }
    // A call always gets in when its user has nothing in flight, however
    // large (up to the definition limit checked elsewhere).
    if (user.calls > 0 && user.bytes + ticket.bytes_ > st.limits.bytesPerUser) {
        refusal = "this user has " + std::to_string(user.bytes) +
                  " bytes of calls in flight; with this one it would exceed the limit (max_call_bytes_per_user); "
                  "wait for their answers";
        return false;
    }
    State::User& slot = st.users[uid];
    ++slot.calls;
    slot.bytes += ticket.bytes_;
    ticket.uid_ = uid;
    return true;
}

std::unique_ptr<Admission::Ticket> Admission::admit(const std::string& sender, uid_t uid, size_t bytes,
                                                    std::string& refusal)
{
    auto ticket = admit(sender, bytes, refusal);
    if (ticket && !assignUser(*ticket, uid, refusal))
        return nullptr;
    return ticket;
}

void Admission::State::release(const std::string& sender, std::optional<uid_t> uid, size_t bytes)
{
    if (auto s = senders.find(sender); s != senders.end() && --s->second.calls == 0)
        senders.erase(s);
    if (uid)
        if (auto u = users.find(*uid); u != users.end()) {
            u->second.bytes -= bytes;
            if (--u->second.calls == 0)
                users.erase(u);
        }
    --total;
    totalBytes -= bytes;
}

void Admission::senderGone(const std::string& sender)
{
    // Only connections with calls in flight are known; their tickets share
    // the flag. A unique name is never reused, so the entry can go with its
    // last ticket.
    if (auto s = state_->senders.find(sender); s != state_->senders.end())
        s->second.gone->store(true);
}

} // namespace vnf::dbus
