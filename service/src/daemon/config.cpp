// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/config.hpp"

#include "util/strings.hpp"

#include <glib.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace vnf::daemon {

namespace {

struct KeyFileDeleter {
    void operator()(GKeyFile* f) const { g_key_file_free(f); }
};

bool parseMode(const std::string& text, const std::string& where)
{
    if (text == "batch")
        return false;
    if (text == "exec")
        return true;
    throw std::runtime_error(where + ": apply mode must be 'batch' or 'exec', not '" + text + "'");
}

std::string parseWriter(const std::string& text, const std::string& where)
{
    if (text == "auto" || text == "netlink" || text == "restore")
        return text;
    throw std::runtime_error(where + ": the ebtables writer must be 'auto', 'netlink' or 'restore', not '" + text +
                             "'");
}

std::string parseNwfilterBackend(const std::string& text, const std::string& where)
{
    const auto names = fw::nwfilterBackendNames();
    if (std::find(names.begin(), names.end(), text) != names.end())
        return text;
    throw std::runtime_error(where + ": the nwfilter backend must be " + util::join(names, " or ") + ", not '" + text +
                             "'");
}

std::string checkGuard(const std::string& text, const std::string& where)
{
    if (text != "notify" && text != "periodic" && text != "off")
        throw std::runtime_error(where + ": the firewall guard must be 'notify', 'periodic' or 'off', not '" + text +
                                 "'");
    return text;
}

std::string checkBackend(const std::string& text, const std::string& where)
{
    if (text != "auto" && text != "nftables" && text != "iptables")
        throw std::runtime_error(where + ": the network backend must be 'auto', 'nftables' or 'iptables', not '" +
                                 text + "'");
    return text;
}

bool parseBool(const std::string& text, const std::string& where)
{
    if (text == "true" || text == "yes" || text == "1")
        return true;
    if (text == "false" || text == "no" || text == "0")
        return false;
    throw std::runtime_error(where + " must be 'true' or 'false', not '" + text + "'");
}

const std::vector<std::string> kTextKeys = {"builtin_filter_dir", "filter_dir",        "binding_dir",
                                            "nwfilter_backend",   "apply_mode",        "ebtables_writer",
                                            "ports_per_run",      "network_dir",       "network_state_dir",
                                            "network_backend",    "lenient_definitions", "firewall_guard",
                                            "nftables_table_owner"};

// Applies the [vnetfilterd] group of the configuration file, when it exists.
void applyFile(Config& config, bool mustExist)
{
    std::unique_ptr<GKeyFile, KeyFileDeleter> file(g_key_file_new());
    GError* error = nullptr;
    if (!g_key_file_load_from_file(file.get(), config.configFile.c_str(), G_KEY_FILE_NONE, &error)) {
        const bool missing = g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
        std::string message = error->message;
        g_error_free(error);
        if (missing && !mustExist)
            return;
        throw std::runtime_error(config.configFile.string() + ": " + message);
    }
    const char* group = "vnetfilterd";
    auto text = [&](const char* key) -> std::optional<std::string> {
        gchar* value = g_key_file_get_string(file.get(), group, key, nullptr);
        if (!value)
            return std::nullopt;
        std::string out = value;
        g_free(value);
        return out;
    };
    const std::string where = config.configFile.string();
    if (auto v = text("builtin_filter_dir"))
        config.builtinFilterDir = *v;
    if (auto v = text("filter_dir"))
        config.filterDir = *v;
    if (auto v = text("binding_dir"))
        config.bindingDir = *v;
    if (auto v = text("apply_mode"))
        config.nwfilter.execMode = parseMode(*v, where + ": apply_mode");
    if (auto v = text("ebtables_writer"))
        config.nwfilter.ebtablesWriter = parseWriter(*v, where + ": ebtables_writer");
    if (auto v = text("nwfilter_backend"))
        config.nwfilter.backend = parseNwfilterBackend(*v, where + ": nwfilter_backend");
    if (auto v = text("ports_per_run")) {
        auto n = util::parseUnsigned(*v);
        if (!n || n->value == 0 || n->value > 100000)
            throw std::runtime_error(where + ": ports_per_run must be a number from 1 to 100000, not '" + *v + "'");
        config.nwfilter.portsPerRun = n->value;
    }
    if (auto v = text("network_dir"))
        config.networkDir = *v;
    if (auto v = text("network_state_dir"))
        config.networkStateDir = *v;
    if (auto v = text("network_backend"))
        config.networkBackend = checkBackend(*v, where + ": network_backend");
    if (auto v = text("nftables_table_owner"))
        config.nwfilter.nftablesTableOwner = parseBool(*v, where + ": nftables_table_owner");
    if (auto v = text("firewall_guard"))
        config.firewallGuard = checkGuard(*v, where + ": firewall_guard");
    if (auto v = text("lenient_definitions"))
        config.lenientDefinitions = parseBool(*v, where + ": lenient_definitions");
    for (const NumericKey& k : numericKeys())
        if (auto v = text(k.key)) {
            auto n = util::parseUnsigned(*v);
            if (!n || n->hex || n->value < k.min || n->value > k.max)
                throw std::runtime_error(where + ": " + k.key + " must be a number from " + std::to_string(k.min) +
                                         " to " + std::to_string(k.max) + ", not '" + *v + "'");
            config.limits.*k.field = n->value;
        }
    gsize count = 0;
    gchar** keys = g_key_file_get_keys(file.get(), group, &count, nullptr);
    const std::vector<std::string> known = configKeys();
    for (gsize i = 0; keys && i < count; ++i) {
        const std::string key = keys[i];
        if (std::find(known.begin(), known.end(), key) == known.end()) {
            g_strfreev(keys);
            throw std::runtime_error(where + ": unknown key '" + key + "' in [vnetfilterd]");
        }
    }
    g_strfreev(keys);
}

} // namespace

const std::vector<NumericKey>& numericKeys()
{
    using L = Config::Limits;
    static const std::vector<NumericKey> keys = {
        {"max_rules_per_port", 1, 1000000, &L::maxRulesPerPort},
        {"max_filter_visits_per_port", 1, 100000, &L::maxFilterVisitsPerPort},
        {"max_leases_per_port", 1, 1024, &L::maxLeasesPerPort},
        {"learning_rebuilds_per_minute", 1, 6000, &L::learningRebuildsPerMinute},
        {"learning_frames_per_second", 100, 10000000, &L::learningFramesPerSecond},
        {"max_calls_per_connection", 1, 100000, &L::maxCallsPerConnection},
        {"max_calls_per_user", 1, 100000, &L::maxCallsPerUser},
        {"max_calls", 1, 1000000, &L::maxCalls},
        {"max_call_bytes_per_user", 1024 * 1024, size_t(1) << 34, &L::maxCallBytesPerUser},
        {"max_call_bytes", 1024 * 1024, size_t(1) << 36, &L::maxCallBytes},
        {"tool_timeout", 1, 3600, &L::toolTimeoutSeconds},
        {"call_queue_timeout", 1, 3600, &L::callQueueTimeoutSeconds},
        {"firewall_check_interval", 1, 86400, &L::firewallCheckIntervalSeconds},
    };
    return keys;
}

std::vector<std::string> configKeys()
{
    std::vector<std::string> keys = kTextKeys;
    for (const NumericKey& k : numericKeys())
        keys.push_back(k.key);
    return keys;
}

std::string usage()
{
    return "usage: vnetfilterd [OPTIONS]\n"
           "\n"
           "The vnetfilter D-Bus system service (org.vnetfilter1).\n"
           "\n"
           "options (each overrides the configuration file):\n"
           "  --config FILE              configuration file (default /etc/vnetfilter/vnetfilterd.conf)\n"
           "  --builtin-filter-dir DIR   the built-in filters\n"
           "  --filter-dir DIR           defined filters (default /etc/vnetfilter/nwfilter)\n"
           "  --binding-dir DIR          bindings (default /run/vnetfilter/nwfilter-binding)\n"
           "  --nwfilter-backend ebiptables|nftables\n"
           "                             the firewall of network filters (default ebiptables: libvirt's layout;\n"
           "                             nftables: an owned bridge table with shared rules)\n"
           "  --apply-mode batch|exec    how the ebiptables backend applies rules (default batch)\n"
           "  --ebtables-writer auto|netlink|restore\n"
           "                             how batch mode writes ebtables' nat table (default auto: netlink\n"
           "                             where ebtables is the nf_tables variant)\n"
           "  --network-dir DIR          defined networks (default /etc/vnetfilter/network)\n"
           "  --network-state-dir DIR    running networks (default /run/vnetfilter/network)\n"
           "  --network-backend auto|nftables|iptables\n"
           "                             firewall of virtual networks (default auto: nftables where nft works)\n"
           "  --firewall-guard notify|periodic|off\n"
           "                             how the daemon sees others change its rules to repair them (default\n"
           "                             notify: nf_tables notifications; periodic: a check every\n"
           "                             firewall_check_interval seconds)\n"
           "  --lenient-definitions      ignore unknown attributes in definitions, as libvirt does\n"
           "                             (default: refuse them)\n"
           "\n"
           "Limits are keys of the configuration file only (see vnetfilterd.conf.example).\n"
           "\n"
           "  --version                  print the version\n"
           "  --help                     print this help\n";
}

ParsedCommandLine parseCommandLine(const std::vector<std::string>& args, Config defaults)
{
    ParsedCommandLine parsed{std::move(defaults)};
    std::optional<std::filesystem::path> builtin, filters, bindings, configFile;
    std::optional<std::string> mode, writer, networkBackend, nwfilterBackend, guard;
    std::optional<std::filesystem::path> networkDir, networkStateDir;
    bool lenient = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size())
                throw std::runtime_error("option " + arg + " needs a value");
            return args[++i];
        };
        if (arg == "--help" || arg == "-h")
            parsed.help = true;
        else if (arg == "--version")
            parsed.version = true;
        else if (arg == "--config")
            configFile = value();
        else if (arg == "--builtin-filter-dir")
            builtin = value();
        else if (arg == "--filter-dir")
            filters = value();
        else if (arg == "--binding-dir")
            bindings = value();
        else if (arg == "--apply-mode")
            mode = value();
        else if (arg == "--ebtables-writer")
            writer = value();
        else if (arg == "--network-dir")
            networkDir = value();
        else if (arg == "--network-state-dir")
            networkStateDir = value();
        else if (arg == "--network-backend")
            networkBackend = value();
        else if (arg == "--nwfilter-backend")
            nwfilterBackend = value();
        else if (arg == "--firewall-guard")
            guard = value();
        else if (arg == "--lenient-definitions")
            lenient = true;
        else
            throw std::runtime_error("unknown option " + arg + " (see --help)");
    }
    Config& config = parsed.config;
    if (configFile)
        config.configFile = *configFile;
    applyFile(config, configFile.has_value());
    if (builtin)
        config.builtinFilterDir = *builtin;
    if (filters)
        config.filterDir = *filters;
    if (bindings)
        config.bindingDir = *bindings;
    if (mode)
        config.nwfilter.execMode = parseMode(*mode, "--apply-mode");
    if (writer)
        config.nwfilter.ebtablesWriter = parseWriter(*writer, "--ebtables-writer");
    if (nwfilterBackend)
        config.nwfilter.backend = parseNwfilterBackend(*nwfilterBackend, "--nwfilter-backend");
    if (networkDir)
        config.networkDir = *networkDir;
    if (networkStateDir)
        config.networkStateDir = *networkStateDir;
    if (networkBackend)
        config.networkBackend = checkBackend(*networkBackend, "--network-backend");
    if (lenient)
        config.lenientDefinitions = true;
    if (guard)
        config.firewallGuard = checkGuard(*guard, "--firewall-guard");
    return parsed;
}

} // namespace vnf::daemon
