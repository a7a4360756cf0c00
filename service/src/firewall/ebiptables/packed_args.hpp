// SPDX-License-Identifier: GPL-2.0-or-later
// A rule's arguments ("-p", "IPv4", "--ip-src", "10.0.0.1", "-j", "RETURN")
// kept in one allocation. The backend keeps every bound port's rules for
// as long as the port is bound (to diff, repair and count them); as a
// vector of strings a clean-traffic port's rules were ~5 KB - a string
// object per argument, plus one more allocation for each longer than 15
// characters - and 50 MB at 10,000 ports. Packed, each argument is followed
// by a NUL (no argument of a command line or a netlink string has one).
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace vnf::fw::ebip {

class PackedArgs {
public:
    // Reads the arguments in order, as string_views into the packed text.
    class const_iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::string_view;
        using difference_type = std::ptrdiff_t;
        using pointer = const std::string_view*;
        using reference = std::string_view;

        const_iterator() = default;
        explicit const_iterator(const char* at) : at_(at) {}
        std::string_view operator*() const { return std::string_view(at_); }
        const_iterator& operator++()
        {
            at_ += std::char_traits<char>::length(at_) + 1;
            return *this;
        }
        const_iterator operator++(int)
        {
            const_iterator before = *this;
            ++*this;
            return before;
        }
        bool operator==(const const_iterator& other) const { return at_ == other.at_; }

    private:
        const char* at_ = nullptr;
    };

    PackedArgs() = default;
    PackedArgs(const std::vector<std::string>& args) { append(args.begin(), args.end()); }  // NOLINT: implicit by design
    PackedArgs(std::initializer_list<std::string_view> args) { append(args.begin(), args.end()); }

    const_iterator begin() const { return const_iterator(text_.data()); }
    const_iterator end() const { return const_iterator(text_.data() + text_.size()); }
    bool empty() const { return text_.empty(); }
    size_t size() const { return static_cast<size_t>(std::distance(begin(), end())); }
    std::string_view operator[](size_t index) const { return *std::next(begin(), static_cast<std::ptrdiff_t>(index)); }

    std::vector<std::string> unpacked() const { return std::vector<std::string>(begin(), end()); }
    operator std::vector<std::string>() const { return unpacked(); }  // NOLINT: implicit by design

    void shrink_to_fit() { text_.shrink_to_fit(); }

    bool operator==(const PackedArgs&) const = default;
    auto operator<=>(const PackedArgs&) const = default;
    friend bool operator==(const PackedArgs& packed, const std::vector<std::string>& args)
    {
        return std::equal(packed.begin(), packed.end(), args.begin(), args.end());
    }

private:
    template <typename It>
    void append(It first, It last)
    {
        for (; first != last; ++first) {
            text_.append(std::string_view(*first));
            text_.push_back('\0');
        }
    }

    std::string text_;
};

} // namespace vnf::fw::ebip
