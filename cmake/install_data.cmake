# SPDX-License-Identifier: GPL-2.0-or-later
# Everything besides the programs that a system install needs, in the places
# dbus-daemon, polkitd and systemd look for them. Configure with
# -DCMAKE_INSTALL_PREFIX=/usr for a system install: dbus-daemon and polkitd
# read /usr/share only.

# Install directories come from the pkg-config files of the programs that
# read them, with the prefix put in (so that a staged or /usr/local install
# stays under its prefix); a fallback where the .pc file is missing. Paths
# under the prefix are made relative to it.
function(vnf_install_dir out module variable fallback)
  set(value "")
  if(PKG_CONFIG_EXECUTABLE)
    execute_process(
      COMMAND ${PKG_CONFIG_EXECUTABLE} --define-variable=prefix=${CMAKE_INSTALL_PREFIX}
              --define-variable=rootprefix=${CMAKE_INSTALL_PREFIX}
              --define-variable=datadir=${CMAKE_INSTALL_FULL_DATADIR} --variable=${variable} ${module}
      OUTPUT_VARIABLE value OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc ERROR_QUIET)
    if(NOT rc EQUAL 0)
      set(value "")
    endif()
  endif()
  if(value STREQUAL "")
    set(value ${fallback})
  endif()
  string(FIND "${value}" "${CMAKE_INSTALL_PREFIX}/" at)
  if(at EQUAL 0)
    string(LENGTH "${CMAKE_INSTALL_PREFIX}/" length)
    string(SUBSTRING "${value}" ${length} -1 value)
  endif()
  set(${out} ${value} PARENT_SCOPE)
endfunction()

vnf_install_dir(unit_dir systemd systemdsystemunitdir "lib/systemd/system")
vnf_install_dir(dbus_services_dir dbus-1 system_bus_services_dir "${CMAKE_INSTALL_DATADIR}/dbus-1/system-services")
vnf_install_dir(dbus_interfaces_dir dbus-1 interfaces_dir "${CMAKE_INSTALL_DATADIR}/dbus-1/interfaces")
vnf_install_dir(polkit_actions_dir polkit-gobject-1 actiondir "${CMAKE_INSTALL_DATADIR}/polkit-1/actions")
vnf_install_dir(completions_dir bash-completion completionsdir "${CMAKE_INSTALL_DATADIR}/bash-completion/completions")

set(VNETFILTER_SYSTEMD_UNIT_DIR "${unit_dir}"
    CACHE STRING "Where vnetfilterd.service is installed (relative: under the prefix)")

# D-Bus: introspection data, the bus policy, the activation file.
install(FILES
  ${CMAKE_SOURCE_DIR}/dbus-interfaces/org.vnetfilter1.Manager.xml
  ${CMAKE_SOURCE_DIR}/dbus-interfaces/org.vnetfilter1.Filter.xml
  ${CMAKE_SOURCE_DIR}/dbus-interfaces/org.vnetfilter1.Binding.xml
  ${CMAKE_SOURCE_DIR}/dbus-interfaces/org.vnetfilter1.Network.xml
  DESTINATION ${dbus_interfaces_dir})
install(FILES ${CMAKE_SOURCE_DIR}/systemd-units/org.vnetfilter1.conf
  DESTINATION ${CMAKE_INSTALL_DATADIR}/dbus-1/system.d)
configure_file(${CMAKE_SOURCE_DIR}/systemd-units/org.vnetfilter1.service.in
  ${CMAKE_BINARY_DIR}/systemd-units/org.vnetfilter1.service @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/systemd-units/org.vnetfilter1.service
  DESTINATION ${dbus_services_dir})

# systemd
configure_file(${CMAKE_SOURCE_DIR}/systemd-units/vnetfilterd.service.in
  ${CMAKE_BINARY_DIR}/systemd-units/vnetfilterd.service @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/systemd-units/vnetfilterd.service
  DESTINATION ${VNETFILTER_SYSTEMD_UNIT_DIR})

# polkit: the actions; the example rule is documentation, not policy.
install(FILES ${CMAKE_SOURCE_DIR}/polkit/org.vnetfilter1.policy
  DESTINATION ${polkit_actions_dir})

# bash completion for vnetfilterctl.
install(FILES ${CMAKE_SOURCE_DIR}/client/completion/vnetfilterctl DESTINATION ${completions_dir})
install(FILES
  ${CMAKE_SOURCE_DIR}/polkit/50-vnetfilter-example.rules
  ${CMAKE_SOURCE_DIR}/service/vnetfilterd.conf.example
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The user documentation (the unit's Documentation= points here).
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")

# firewalld: the zones and policies the bridges of virtual networks go into.
set(VNETFILTER_FIREWALLD_DIR "lib/firewalld"
    CACHE STRING "firewalld's directory of shipped zones and policies (relative: under the prefix)")
install(DIRECTORY ${CMAKE_SOURCE_DIR}/firewalld-zones/zones ${CMAKE_SOURCE_DIR}/firewalld-zones/policies
  DESTINATION ${VNETFILTER_FIREWALLD_DIR} FILES_MATCHING PATTERN "*.xml")

# Man pages: written in scdoc (docs/man/*.scd), built to roff here.
find_program(SCDOC scdoc)
if(SCDOC)
  set(VNETFILTER_MAN_PAGES)
  set(pages vnetfilterctl.1 vnetfilterd.8 vnetfilterd.conf.5)
  if(TARGET vnetfilter-manager)
    list(APPEND pages vnetfilter-manager.1)  # the desktop frontend's, with it
  endif()
  foreach(page ${pages})
    string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
    add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/man/${page}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
      COMMAND ${SCDOC} < ${CMAKE_SOURCE_DIR}/docs/man/${page}.scd > ${CMAKE_BINARY_DIR}/man/${page}
      DEPENDS ${CMAKE_SOURCE_DIR}/docs/man/${page}.scd
      COMMENT "man page ${page}")
    list(APPEND VNETFILTER_MAN_PAGES ${CMAKE_BINARY_DIR}/man/${page})
    install(FILES ${CMAKE_BINARY_DIR}/man/${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endforeach()
  add_custom_target(man ALL DEPENDS ${VNETFILTER_MAN_PAGES})
else()
  message(WARNING "scdoc not found: the man pages are not built (scripts/bootstrap installs it)")
endif()
