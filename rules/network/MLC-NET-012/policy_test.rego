package mlcheck.rules.net_012_test
