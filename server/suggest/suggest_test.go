package suggest

import (
	"strings"
	"testing"
)

// slice is Python's text[start:end] in code points.
func slice(text string, sp Span) string { return string([]rune(text)[sp.Start:sp.End]) }

type want struct{ rule, content, cue, source, head string }

func check(t *testing.T, text, lang string, wants ...want) {
	t.Helper()
	got := Suggest(text, lang)
	if len(got) != len(wants) {
		for _, g := range got {
			t.Logf("got %s %q cue %q source %q", g.Rule, slice(text, g.Content), slice(text, g.Cue), slice(text, g.Source))
		}
		t.Fatalf("%q: %d suggestions, want %d", text, len(got), len(wants))
	}
	for i, w := range wants {
		g := got[i]
		if g.Rule != w.rule || slice(text, g.Content) != w.content || slice(text, g.Cue) != w.cue ||
			(w.source != "" && slice(text, g.Source) != w.source) || (w.head != "" && g.Head != w.head) {
			t.Errorf("%q #%d: got %s %q cue %q source %q head %q; want %+v", text, i, g.Rule, slice(text, g.Content),
				slice(text, g.Cue), slice(text, g.Source), g.Head, w)
		}
		if g.Confidence <= 0 || g.Confidence > 1 {
			t.Errorf("confidence %v out of (0, 1]", g.Confidence)
		}
	}
}

func TestQuoteConventions(t *testing.T) {
	cases := []struct {
		name, lang, text string
		w                want
	}{
		{"straight", "en", `"We will win the vote," said Anna Berg.`, want{RuleQuotes, "We will win the vote,", "said", "Anna Berg", "Berg"}},
		{"curly", "en", `“We will win the vote,” said Anna Berg.`, want{RuleQuotes, "We will win the vote,", "said", "Anna Berg", "Berg"}},
		{"german low-high", "de", `„Wir gewinnen die Wahl“, sagte Anna Berg.`, want{RuleQuotes, "Wir gewinnen die Wahl", "sagte", "Anna Berg", "Berg"}},
		{"guillemets", "ru", `«Мы выиграем выборы», — заявила Анна Берг.`, want{RuleQuotes, "Мы выиграем выборы", "заявила", "Анна Берг", "Берг"}},
		{"german reversed guillemets", "de", `»Wir gewinnen die Wahl«, sagte Anna Berg.`, want{RuleQuotes, "Wir gewinnen die Wahl", "sagte", "Anna Berg", "Berg"}},
		{"single guillemets", "de", `‹Wir gewinnen die Wahl›, sagte Anna Berg.`, want{RuleQuotes, "Wir gewinnen die Wahl", "sagte", "Anna Berg", "Berg"}},
		{"corner brackets", "en", `「We will win the vote,」 said Anna Berg.`, want{RuleQuotes, "We will win the vote,", "said", "Anna Berg", "Berg"}},
		{"single straight", "en", `'We will win the vote,' said Anna Berg.`, want{RuleQuotes, "We will win the vote,", "said", "Anna Berg", "Berg"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { check(t, c.text, c.lang, c.w) })
	}
}

func TestBothOrdersAndLanguages(t *testing.T) {
	check(t, `"The plan is dead," the minister said.`, "en", want{RuleQuotes, "The plan is dead,", "said", "the minister", "minister"})
	check(t, `"The plan is dead," said the minister.`, "en", want{RuleQuotes, "The plan is dead,", "said", "the minister", "minister"})
	check(t, `The minister said: "The plan is dead."`, "en", want{RuleQuotes, "The plan is dead.", "said", "The minister", "minister"})
	check(t, `„Der Plan ist tot“, sagte der Minister.`, "de", want{RuleQuotes, "Der Plan ist tot", "sagte", "der Minister", "Minister"})
	check(t, `„Der Plan ist tot“, der Minister sagte.`, "de", want{RuleQuotes, "Der Plan ist tot", "sagte", "der Minister", "Minister"})
	check(t, `„Der Plan ist tot“, so der Minister.`, "de", want{RuleQuotes, "Der Plan ist tot", "so", "der Minister", "Minister"})
	check(t, `Der Minister erklärte: „Der Plan ist tot.“`, "de", want{RuleQuotes, "Der Plan ist tot.", "erklärte", "Der Minister", "Minister"})
	check(t, `«План провалился», — заявил министр финансов.`, "ru", want{RuleQuotes, "План провалился", "заявил", "министр финансов", "министр"})
	check(t, `Министр сказал: «План провалился».`, "ru", want{RuleQuotes, "План провалился", "сказал", "Министр", "Министр"})
	check(t, `The teachers' union said "so-called reforms" were not enough.`, "en") // a scare quote and no that-clause
}

func TestNestedQuotes(t *testing.T) {
	check(t, `“They called it ‘a disaster’ and left early,” said Tom Reed.`, "en",
		want{RuleQuotes, "They called it ‘a disaster’ and left early,", "said", "Tom Reed", "Reed"})
	check(t, `«Он назвал это „катастрофой“ и ушёл», — сказал Пётр Иванов.`, "ru",
		want{RuleQuotes, "Он назвал это „катастрофой“ и ушёл", "сказал", "Пётр Иванов", "Иванов"})
	check(t, `«Завод «Звезда» закроют к лету», — сообщил Пётр Иванов.`, "ru",
		want{RuleQuotes, "Завод «Звезда» закроют к лету", "сообщил", "Пётр Иванов", "Иванов"})
	check(t, `„Sie nannten es ‚Unsinn‘ und gingen“, sagte Tom Reed.`, "de",
		want{RuleQuotes, "Sie nannten es ‚Unsinn‘ und gingen", "sagte", "Tom Reed", "Reed"})
}

func TestQuoteAcrossParagraphs(t *testing.T) {
	// English convention: the next paragraph reopens the quote
	text := "The owner, Victor Amani, spoke on Sunday. \"We will build a stadium.\n\n\"We start next year,\" Amani said."
	check(t, text, "en", want{RuleQuotes, "We will build a stadium.\n\n\"We start next year,", "said", "Amani", "Amani"})
	// no reopening mark: the quote still closes in the next paragraph
	text = "„Wir danken ihm.\n\nAber es reichte nicht“, sagte Präsident Heiko Brun."
	check(t, text, "de", want{RuleQuotes, "Wir danken ihm.\n\nAber es reichte nicht", "sagte", "Präsident Heiko Brun", "Brun"})
}

func TestCodePointOffsets(t *testing.T) {
	text := "👩‍👩‍👧 🇩🇪 Résumé: \"We will win the vote,\" said Anna Berg."
	got := Suggest(text, "en")
	if len(got) != 1 {
		t.Fatalf("%d suggestions", len(got))
	}
	r := []rune(text)
	start := strings.Index(text, "We will")
	if got[0].Content.Start != len([]rune(text[:start])) || string(r[got[0].Content.Start:got[0].Content.End]) != "We will win the vote," {
		t.Fatalf("content %+v is not in code points", got[0].Content)
	}
}

func TestPronounsAndContinuation(t *testing.T) {
	text := `Finance Minister Clara Hobbs spoke on Monday. "We will not raise taxes," she said. "Not this year."`
	check(t, text, "en",
		want{RuleQuotes, "We will not raise taxes,", "said", "Finance Minister Clara Hobbs", "Hobbs"},
		want{RuleQuotes, "Not this year.", "said", "Finance Minister Clara Hobbs", "Hobbs"})
	// a pronoun with nobody named before it still gets its cue
	got := Suggest(`"We will not raise taxes," she said.`, "en")
	if len(got) != 1 || got[0].Confidence >= confQuoteNamed {
		t.Fatalf("unresolved pronoun: %+v", got)
	}
}

func TestIndirectSpeech(t *testing.T) {
	check(t, "Finance Minister Clara Hobbs said on Monday that the budget would be balanced. Then she left.", "en",
		want{RuleIndirect, "the budget would be balanced", "said", "Finance Minister Clara Hobbs", "Hobbs"})
	check(t, "According to the weather service, gusts could reach 140 kilometres an hour.", "en",
		want{RuleIndirect, "gusts could reach 140 kilometres an hour", "According to", "the weather service", "service"})
	check(t, "Laut dem Landesamt für Umwelt könnte der Fluss morgen steigen.", "de",
		want{RuleIndirect, "könnte der Fluss morgen steigen", "Laut", "dem Landesamt für Umwelt", "Landesamt"})
	check(t, "Ein Sprecher der Bahn sagte, man sei zu Gesprächen bereit.", "de",
		want{RuleIndirect, "man sei zu Gesprächen bereit", "sagte", "Ein Sprecher der Bahn", "Sprecher"})
	check(t, "По словам депутата Анны Крюковой, бюджет составлен с ошибками.", "ru",
		want{RuleIndirect, "бюджет составлен с ошибками", "По словам", "депутата Анны Крюковой", "Крюковой"})
	check(t, "Министр финансов Олег Зимин сообщил, что дефицит сократится вдвое.", "ru",
		want{RuleIndirect, "дефицит сократится вдвое", "сообщил", "Министр финансов Олег Зимин", "Зимин"})
}

func TestDeterministicAndQuiet(t *testing.T) {
	for _, text := range []string{"", "   ", "\"", "«", "„unclosed", "no quotes at all.", strings.Repeat("\"a ", 500)} {
		a, b := Suggest(text, ""), Suggest(text, "")
		if len(a) != len(b) {
			t.Fatalf("%q: not deterministic", text)
		}
	}
}

func TestEvaluationSetParsesAndScores(t *testing.T) {
	for _, dir := range []string{"testdata", "testdata/heldout"} {
		arts, err := LoadGold(dir)
		if err != nil {
			t.Fatal(err)
		}
		if dir == "testdata" && len(arts) < 30 {
			t.Fatalf("%d articles in the evaluation set, want at least 30", len(arts))
		}
		langs := map[string]bool{}
		for _, a := range arts {
			langs[a.Lang] = true
			for _, c := range a.Claims {
				if c.Content.End <= c.Content.Start || c.Head == "" {
					t.Errorf("%s %q: claim %+v lacks content or source", a.Lang, a.Title, c)
				}
			}
		}
		if !langs["en"] || !langs["de"] || !langs["ru"] {
			t.Fatalf("%s: languages %v", dir, langs)
		}
		for _, s := range Evaluate(arts) {
			// the partial measure computed here agrees with server/agreement's F1
			p, r := s.PartialP, s.PartialR
			if s.Predicted > 0 && s.Gold > 0 && p+r > 0 {
				if f := 2 * p * r / (p + r); f-s.PartialF1 > 1e-9 || s.PartialF1-f > 1e-9 {
					// each coder's spans are merged first in agreement; ours do not overlap
					t.Errorf("%s %s: partial F1 %v here, %v in server/agreement", s.Lang, s.Rule, f, s.PartialF1)
				}
			}
		}
	}
}

// BenchmarkSuggest5KB measures the suggester alone on articles of about
// 5 KB made of the evaluation set's texts.
func BenchmarkSuggest5KB(b *testing.B) {
	arts, err := LoadGold("testdata")
	if err != nil {
		b.Fatal(err)
	}
	var texts []string
	for i := range arts {
		var sb strings.Builder
		for k := i; sb.Len() < 5000; k++ {
			sb.WriteString(arts[k%len(arts)].Text)
			sb.WriteString("\n\n")
		}
		texts = append(texts, sb.String())
	}
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		n += len(Suggest(texts[i%len(texts)], ""))
	}
	b.ReportMetric(float64(n)/float64(b.N), "suggestions/op")
}
