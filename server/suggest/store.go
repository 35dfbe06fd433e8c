package suggest

import "slant/models"

// ForStore is a suggestion as the store writes it (models.StoreSuggestions)
// for article articleID.
func ForStore(articleID int64, sg Suggestion) models.SuggestionIn {
	in := models.SuggestionIn{ArticleID: articleID, Rule: sg.Rule, Confidence: sg.Confidence,
		Content: [2]int{sg.Content.Start, sg.Content.End}, Head: sg.Head}
	if sg.Cue.End > sg.Cue.Start {
		in.Cue = &[2]int{sg.Cue.Start, sg.Cue.End}
	}
	if sg.HasSource {
		in.Source = &[2]int{sg.Source.Start, sg.Source.End}
	}
	return in
}

// ForArticles runs the suggester over texts (in order) and returns what
// the store writes; langs gives each text's language tag ("" unknown).
func ForArticles(ids []int64, texts, langs []string) []models.SuggestionIn {
	var out []models.SuggestionIn
	for i := range ids {
		for _, sg := range Suggest(texts[i], langs[i]) {
			out = append(out, ForStore(ids[i], sg))
		}
	}
	return out
}
