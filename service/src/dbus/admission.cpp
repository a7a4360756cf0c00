#include "dbus/admission.hpp"

namespace vnf::dbus {

Admission::Admission(AdmissionLimits limits) : state_(std::make_shared<State>())
{
    state_->limits = limits;
}

Admission::Ticket::Ticket(std::shared_ptr<State> owner, std::string sender, uid_t uid,
                          std::shared_ptr<std::atomic<bool>> gone)
    : owner_(std::move(owner)), sender_(std::move(sender)), uid_(uid), gone_(std::move(gone))
{
}

Admission::Ticket::~Ticket()
{
    owner_->release(sender_, uid_);
}

size_t Admission::inFlight() const
{
    return state_->total;
}

std::unique_ptr<Admission::Ticket> Admission::admit(const std::string& sender, uid_t uid, std::string& refusal)
{
    State& st = *state_;
    auto s = st.senders.find(sender);
    const size_t connectionCalls = s == st.senders.end() ? 0 : s->second.calls;
    auto u = st.users.find(uid);
    const size_t userCalls = u == st.users.end() ? 0 : u->second;
    if (connectionCalls >= st.limits.perConnection) {
        refusal = "this connection has " + std::to_string(connectionCalls) +
                  " calls in flight, the limit (max_calls_per_connection); wait for their answers";
        return nullptr;
    }
    if (userCalls >= st.limits.perUser) {
        refusal = "this user has " + std::to_string(userCalls) +
                  " calls in flight, the limit (max_calls_per_user); wait for their answers";
        return nullptr;
    }
    if (st.total >= st.limits.total) {
        refusal = "the service has " + std::to_string(st.total) + " calls in flight, the limit (max_calls); try again";
        return nullptr;
    }
    State::Sender& entry = st.senders[sender];
    ++entry.calls;
    ++st.users[uid];
    ++st.total;
    return std::make_unique<Ticket>(state_, sender, uid, entry.gone);
}

void Admission::State::release(const std::string& sender, uid_t uid)
{
    if (auto s = senders.find(sender); s != senders.end() && --s->second.calls == 0)
        senders.erase(s);
    if (auto u = users.find(uid); u != users.end() && --u->second == 0)
        users.erase(u);
    --total;
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
