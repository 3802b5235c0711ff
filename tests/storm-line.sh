# Sourced by tests/storm.sh and tests/race.sh (guest side): fields of reuseport_storm's one
# output line "key=value ...".
# storm_field LINE KEY: the value of KEY (0 if absent)
storm_field() {
	echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { v = $2 } END { print v + 0 }'
}
# storm_failed LINE: the requests that did not get their answer, whatever the reason
storm_failed() {
	echo "$1" | tr ' ' '\n' | awk -F= '$1 ~ /^(refused|reset|timeout|short|other)$/ { s += $2 } END { print s + 0 }'
}
