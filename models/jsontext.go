package models

import "strconv"

// HasLoneSurrogateEscape scans JSON string escapes for \uD800-\uDFFF code units
// that are not part of a high+low pair. Backslashes only occur inside
// strings in valid JSON, so a linear scan is exact. encoding/json would
// silently turn such an escape into U+FFFD and so change the text.
func HasLoneSurrogateEscape(b []byte) bool {
	hex4 := func(i int) (int, bool) {
		if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
		return int(n), err == nil
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			continue
		}
		if b[i+1] != 'u' {
			i++
			continue
		}
		u, ok := hex4(i)
		if !ok {
			i++
			continue
		}
		switch {
		case u >= 0xD800 && u <= 0xDBFF:
			lo, ok := hex4(i + 6)
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return true
			}
			i += 11
		case u >= 0xDC00 && u <= 0xDFFF:
			return true
		default:
			i += 5
		}
	}
	return false
}
