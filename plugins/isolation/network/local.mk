# isolation/network.  Included by Makefile.am.  It links core/net (libjlnet),
# and with it libmnl (never libnftables: the rules are written as netlink).
if BUILD_PLUGIN_ISOLATION_NETWORK
plugin_LTLIBRARIES += isolation_network.la
isolation_network_la_SOURCES = plugins/isolation/network/network.c
isolation_network_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core
isolation_network_la_CFLAGS = $(AM_CFLAGS)
isolation_network_la_LIBADD = libjlnet.la $(PLUGIN_LIBADD)
isolation_network_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/isolation/network/local.mk plugins/isolation/network/README.md
