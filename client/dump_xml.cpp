// SPDX-License-Identifier: GPL-2.0-or-later
#include "dump_xml.hpp"

#include "conf/xml_select.hpp"

#include <iostream>

namespace vnf::client {

void checkXpathOptions(const Args& args)
{
    if (args.flag("wrap") && !args.value("xpath"))
        throw UsageError("--wrap goes with --xpath");
}

void printXml(const Args& args, const std::string& xml)
{
    const std::optional<std::string> xpath = args.value("xpath");
    std::cout << (xpath ? conf::selectXml(xml, *xpath, args.flag("wrap")) : xml);
}

} // namespace vnf::client
