package suggest

import "strings"

// The lexicons. Words are lower-case; a text's language only decides how
// a source's head word is found, so the cue lists are looked up together
// (an English article quoting a German minister still gets suggestions).

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// reportingVerbs introduce speech: "X said", "said X", "X sagte, …", "— заявил X".
var reportingVerbs = set(`
	said says say told tells claimed claims stated states added adds warned warns insisted insists
	explained explains argued argues noted notes announced announces declared declares replied
	wrote writes admitted admits promised promises acknowledged confirmed confirms stressed stresses
	urged urges maintained asserted predicted recalled
	sagte sagt sagten sagen erklärte erklärt erklärten betonte betont betonten warnte warnt warnten
	meinte meint forderte fordert versprach verspricht entgegnete entgegnet kritisiert kritisierte
	bekräftigte ergänzte fügte teilte räumte berichtete schrieb antwortete unterstrich behauptete
	behauptet versicherte
	заявил заявила заявили заявляет сообщил сообщила сообщили сообщает сказал сказала сказали
	отметил отметила отметили подчеркнул подчеркнула подчеркнули добавил добавила добавили
	пообещал пообещала пообещали пояснил пояснила признал признала объявил объявила объявили
	считает считают рассказал рассказала ответил ответила написал написала предупредил предупредила
	говорится уверен уверена утверждает утверждал утверждала`)

// particles complete German separable verbs: "teilte mit", "fügte hinzu".
var particles = set(`mit hinzu ein`)

// afterQuoteOnly cues introduce a source only right after a quote:
// „…“, so der Minister.
var afterQuoteOnly = set(`so`)

// prefixCues open a sentence and name the source next: "According to X,
// …", "Laut X …", "По словам X, …".
var prefixCues = [][]string{
	{"according", "to"}, {"laut"}, {"nach", "angaben"}, {"по", "словам"}, {"по", "данным"},
	{"по", "мнению"}, {"по", "информации"}, {"как", "сообщил"}, {"как", "сообщила"}, {"как", "сообщили"},
	{"как", "заявил"}, {"как", "заявила"}, {"как", "сказал"}, {"как", "сказала"},
}

// thatWords start a reported clause.
var thatWords = set(`that dass что`)

// pronouns refer back to a named source.
var pronouns = set(`he she they er sie он она они`)

// determiners may begin a source; they are never its head.
var determiners = set(`the a an its their his her our
	der die das dem den des ein eine einem einer eines sein seine seinem seiner ihr ihre ihrem ihrer
	его её ее их`)

// stopWords end a source phrase: prepositions, conjunctions, time words.
var stopWords = set(`on at in after before during who which that when while and but for to with from by as
	yesterday today tonight reporters parliament
	am im in vor nach bei auf an gegenüber dass und aber als zum zur heute gestern
	после в во на что и но а о об с у когда который которая которые журналистам сегодня вчера`)

// genitiveCut words start a complement after a source's head noun:
// "the mayor of X", "ein Sprecher der Bahn", "das Landesamt für Umwelt".
var genitiveCut = set(`of for der des dem für von vom aus`)
