package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"slant/models"
	"slant/server/suggest"
)

// The generated news must be what figure 10 says it is: about 5 KB per
// article in three languages, with claims the suggester finds (3 to 8
// written per article; a few may be missed or merged by the rules).
func TestNewsCorpusHasClaimsTheSuggesterFinds(t *testing.T) {
	t.Parallel()
	corpus := newsCorpus(10, 90)
	langs := map[string]int{}
	total := 0
	for _, a := range corpus {
		if len(a.Text) < 4500 || len(a.Text) > 6500 {
			t.Errorf("article of %d bytes", len(a.Text))
		}
		langs[a.Language]++
		n := len(suggest.Suggest(a.Text, a.Language))
		if n > 10 {
			t.Errorf("%s article: %d suggestions (3-8 claims written):\n%s", a.Language, n, a.Text)
		}
		total += n
	}
	if langs["en"] != 30 || langs["de"] != 30 || langs["ru"] != 30 {
		t.Errorf("languages: %v", langs)
	}
	if per := float64(total) / 90; per < 3 || per > 8 {
		t.Errorf("%.1f suggestions per article, want 3-8", per)
	}
}

func TestSuggestFigureRuns(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(smokeServeEnv, "1") // the children Run starts serve the API
	models.BcryptCost = 4
	cfg := quickConfig
	cfg.Only = map[string]bool{"suggest": true}
	cfg.Duration = 100 * time.Millisecond
	res, err := Run(cfg, self)
	if err != nil {
		t.Fatal(err)
	}
	md := res.Markdown()
	for _, fig := range []string{"10. suggestions over 300 articles × 5 KB, first run", "10b. suggestions over 300 articles, re-run"} {
		if !strings.Contains(md, fig) {
			t.Errorf("figure %q missing from:\n%s", fig, md)
		}
	}
}
