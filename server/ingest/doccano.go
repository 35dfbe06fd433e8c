package ingest

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// doccano JSONL: {"text": "...", "label": [[start, end, "LABEL"], ...],
// ...meta}. "labels" is accepted for "label", and doccano's newer
// "entities": [{"start_offset", "end_offset", "label"}] too. Offsets are
// code points (doccano is Python). Other members are article fields or
// metadata, as in article JSONL.
func doccanoItem(obj map[string]any, file string, line int) *Item {
	rest := make(map[string]any, len(obj))
	var labelKey string
	for k, v := range obj {
		if k == "label" || k == "labels" || k == "entities" {
			if _, isArr := v.([]any); isArr {
				labelKey = k
				continue
			}
		}
		rest[k] = v
	}
	it := articleItem(rest, file, line)
	if labelKey == "" || it.Article == nil {
		return it
	}
	var ps problems
	for i, e := range obj[labelKey].([]any) {
		field := fmt.Sprintf("%s[%d]", labelKey, i)
		switch v := e.(type) {
		case []any:
			if len(v) != 3 {
				ps.add(field, "must be [start, end, \"LABEL\"]")
				continue
			}
			s, ok1 := jsonInt(v[0])
			end, ok2 := jsonInt(v[1])
			label, ok3 := v[2].(string)
			if !ok1 || !ok2 || !ok3 {
				ps.add(field, "must be [start, end, \"LABEL\"] with integer offsets")
				continue
			}
			it.Spans = append(it.Spans, Span{Label: label, Start: s, End: end})
		case map[string]any:
			s, ok1 := jsonInt(v["start_offset"])
			end, ok2 := jsonInt(v["end_offset"])
			label, ok3 := v["label"].(string)
			if !ok1 || !ok2 || !ok3 {
				ps.add(field, "must have integer start_offset, end_offset and a string label")
				continue
			}
			it.Spans = append(it.Spans, Span{Label: label, Start: s, End: end})
		default:
			ps.add(field, "must be [start, end, \"LABEL\"]")
		}
	}
	for _, p := range ps {
		it.Problems = append(it.Problems, Problem{File: file, Line: line, Field: p.field, Message: "span not imported: " + p.msg})
	}
	return it
}

func jsonInt(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(n.String())
	return i, err == nil
}
