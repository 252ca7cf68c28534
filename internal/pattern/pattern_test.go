package pattern

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

type matchCase struct {
	name    string
	pattern string
	event   string
	want    bool
}

var matchCases = []matchCase{
	// Exact values.
	{"exact string", `{"source":["aws.ec2"]}`, `{"source":"aws.ec2"}`, true},
	{"exact string differs", `{"source":["aws.ec2"]}`, `{"source":"aws.ec2x"}`, false},
	{"exact string case sensitive", `{"source":["aws.ec2"]}`, `{"source":"AWS.EC2"}`, false},
	{"one of several values", `{"source":["aws.s3","aws.ec2"]}`, `{"source":"aws.ec2"}`, true},
	{"missing field", `{"source":["aws.ec2"]}`, `{"detail-type":"x"}`, false},
	{"other fields ignored", `{"source":["aws.ec2"]}`, `{"id":"1","source":"aws.ec2","detail":{"a":[1,2,{"b":null}]}}`, true},
	{"all fields must match", `{"source":["aws.ec2"],"region":["us-east-1"]}`, `{"source":"aws.ec2","region":"eu-west-1"}`, false},
	{"escaped string in event", `{"a":["x\"y/é"]}`, `{"a":"x\"y\/\u00e9"}`, true},
	{"escaped key in event", `{"a-b":["1"]}`, `{"a\u002db":"1"}`, true},
	{"surrogate pair", `{"a":["😀"]}`, `{"a":"\ud83d\ude00"}`, true},
	{"empty string", `{"a":[""]}`, `{"a":""}`, true},
	{"empty string does not match missing", `{"a":[""]}`, `{"b":""}`, false},
	{"empty string does not match null", `{"a":[""]}`, `{"a":null}`, false},
	{"null", `{"a":[null]}`, `{"a":null}`, true},
	{"null does not match missing", `{"a":[null]}`, `{}`, false},
	{"null does not match string", `{"a":[null]}`, `{"a":"null"}`, false},
	{"true", `{"a":[true]}`, `{"a":true}`, true},
	{"true is not a string", `{"a":[true]}`, `{"a":"true"}`, false},
	{"false", `{"a":[false]}`, `{"a":false}`, true},
	{"false does not match true", `{"a":[false]}`, `{"a":true}`, false},

	// Numbers.
	{"number", `{"a":[300]}`, `{"a":300}`, true},
	{"number by value decimal", `{"a":[300]}`, `{"a":300.0}`, true},
	{"number by value exponent", `{"a":[300]}`, `{"a":3.0e2}`, true},
	{"number pattern exponent", `{"a":[3.0e2]}`, `{"a":300}`, true},
	{"number differs", `{"a":[300]}`, `{"a":301}`, false},
	{"number in a string is not a number", `{"a":[300]}`, `{"a":"300"}`, false},
	{"string pattern does not match number", `{"a":["300"]}`, `{"a":300}`, false},
	{"negative number", `{"a":[-1.5]}`, `{"a":-15e-1}`, true},
	{"number beyond six decimals", `{"a":[1.0000001]}`, `{"a":1}`, true},
	{"account number by text", `{"a":[123456789012]}`, `{"a":123456789012}`, true},
	{"large number by text only", `{"a":[123456789012]}`, `{"a":1.23456789012e11}`, false},
	{"huge number", `{"a":[1e300]}`, `{"a":1e300}`, true},

	// Arrays in the event.
	{"array any element", `{"resources":["arn:b"]}`, `{"resources":["arn:a","arn:b"]}`, true},
	{"array no element", `{"resources":["arn:c"]}`, `{"resources":["arn:a","arn:b"]}`, false},
	{"empty array", `{"resources":["arn:c"]}`, `{"resources":[]}`, false},
	{"nested arrays", `{"a":[3]}`, `{"a":[[1,[2,3]]]}`, true},
	{"array of objects", `{"d":{"k":["v"]}}`, `{"d":[{"k":"x"},{"k":"v"}]}`, true},
	{"array of objects none", `{"d":{"k":["v"]}}`, `{"d":[{"k":"x"},{"j":"v"}]}`, false},
	{"array of objects same element", `{"d":{"a":["1"],"b":["2"]}}`, `{"d":[{"a":"1","b":"2"}]}`, true},
	{"array of objects split across elements", `{"d":{"a":["1"],"b":["2"]}}`, `{"d":[{"a":"1","b":"3"},{"a":"3","b":"2"}]}`, false},
	{"deep array consistency", `{"f":{"r":{"t":["X"],"id":["1"]}}}`, `{"f":[{"r":[{"t":"X","id":"2"}]},{"r":[{"t":"Y","id":"1"}]}]}`, false},
	{"deep array consistency ok", `{"f":{"r":{"t":["X"],"id":["1"]}}}`, `{"f":[{"r":[{"t":"Y","id":"1"},{"t":"X","id":"1"}]}]}`, true},
	{"object where leaf expected", `{"a":["x"]}`, `{"a":{"b":"x"}}`, false},
	{"leaf where object expected", `{"a":{"b":["x"]}}`, `{"a":"x"}`, false},
	{"nested object", `{"detail":{"state":["running"]}}`, `{"detail":{"state":"running"}}`, true},
	{"duplicate keys in event", `{"a":["2"]}`, `{"a":"1","a":"2"}`, true},

	// prefix.
	{"prefix", `{"time":[{"prefix":"2017-10-02"}]}`, `{"time":"2017-10-02T18:43:48Z"}`, true},
	{"prefix no", `{"time":[{"prefix":"2017-10-02"}]}`, `{"time":"2017-10-03T18:43:48Z"}`, false},
	{"prefix strings only", `{"n":[{"prefix":"1"}]}`, `{"n":123}`, false},
	{"prefix empty", `{"a":[{"prefix":""}]}`, `{"a":"anything"}`, true},
	{"prefix ignore case", `{"s":[{"prefix":{"equals-ignore-case":"EventB"}}]}`, `{"s":"eventbridge"}`, true},
	{"prefix ignore case non-ASCII", `{"s":[{"prefix":{"equals-ignore-case":"ÉTÉ"}}]}`, `{"s":"été-2024"}`, true},
	{"prefix ignore case no", `{"s":[{"prefix":{"equals-ignore-case":"EventB"}}]}`, `{"s":"eventa"}`, false},

	// suffix.
	{"suffix", `{"f":[{"suffix":".png"}]}`, `{"f":"a.png"}`, true},
	{"suffix no", `{"f":[{"suffix":".png"}]}`, `{"f":"a.PNG"}`, false},
	{"suffix ignore case", `{"f":[{"suffix":{"equals-ignore-case":".png"}}]}`, `{"f":"a.PNG"}`, true},
	{"suffix ignore case Greek", `{"f":[{"suffix":{"equals-ignore-case":"ΣΑΣ"}}]}`, `{"f":"xσας"}`, true},
	{"suffix strings only", `{"f":[{"suffix":"5"}]}`, `{"f":15}`, false},

	// equals-ignore-case.
	{"equals-ignore-case", `{"n":[{"equals-ignore-case":"alice"}]}`, `{"n":"ALICE"}`, true},
	{"equals-ignore-case Cyrillic", `{"n":[{"equals-ignore-case":"ПРИВЕТ"}]}`, `{"n":"привет"}`, true},
	{"equals-ignore-case Kelvin sign", `{"n":[{"equals-ignore-case":"k"}]}`, `{"n":"\u212a"}`, true},
	{"equals-ignore-case longer", `{"n":[{"equals-ignore-case":"alice"}]}`, `{"n":"alicex"}`, false},
	{"equals-ignore-case strings only", `{"n":[{"equals-ignore-case":"true"}]}`, `{"n":true}`, false},

	// wildcard.
	{"wildcard", `{"f":[{"wildcard":"dir/*.png"}]}`, `{"f":"dir/a/b.png"}`, true},
	{"wildcard no", `{"f":[{"wildcard":"dir/*.png"}]}`, `{"f":"dir/a/b.jpg"}`, false},
	{"wildcard matches empty", `{"f":[{"wildcard":"a*b"}]}`, `{"f":"ab"}`, true},
	{"wildcard several", `{"f":[{"wildcard":"*Title*"}]}`, `{"f":"My Title here"}`, true},
	{"wildcard overlapping pieces", `{"f":[{"wildcard":"ab*ba"}]}`, `{"f":"aba"}`, false},
	{"wildcard escaped star", `{"f":[{"wildcard":"a\\*b"}]}`, `{"f":"a*b"}`, true},
	{"wildcard escaped star is literal", `{"f":[{"wildcard":"a\\*b"}]}`, `{"f":"axb"}`, false},
	{"wildcard escaped backslash", `{"f":[{"wildcard":"a\\\\*"}]}`, `{"f":"a\\bc"}`, true},
	{"wildcard star alone", `{"f":[{"wildcard":"*"}]}`, `{"f":""}`, true},
	{"wildcard strings only", `{"f":[{"wildcard":"*"}]}`, `{"f":1}`, false},

	// anything-but.
	{"anything-but string", `{"s":[{"anything-but":"initializing"}]}`, `{"s":"running"}`, true},
	{"anything-but string no", `{"s":[{"anything-but":"initializing"}]}`, `{"s":"initializing"}`, false},
	{"anything-but missing field", `{"s":[{"anything-but":"initializing"}]}`, `{}`, false},
	{"anything-but array one other", `{"s":[{"anything-but":"a"}]}`, `{"s":["a","b"]}`, true},
	{"anything-but array all excluded", `{"s":[{"anything-but":["a","b"]}]}`, `{"s":["a","b"]}`, false},
	{"anything-but number", `{"x":[{"anything-but":123}]}`, `{"x":124}`, true},
	{"anything-but number by value", `{"x":[{"anything-but":123}]}`, `{"x":1.23e2}`, false},
	{"anything-but number list", `{"x":[{"anything-but":[100,200,300]}]}`, `{"x":200}`, false},
	{"anything-but string list", `{"s":[{"anything-but":["stopped","overloaded"]}]}`, `{"s":"running"}`, true},
	{"anything-but prefix", `{"s":[{"anything-but":{"prefix":"init"}}]}`, `{"s":"running"}`, true},
	{"anything-but prefix no", `{"s":[{"anything-but":{"prefix":"init"}}]}`, `{"s":"initializing"}`, false},
	{"anything-but prefix list", `{"s":[{"anything-but":{"prefix":["init","err"]}}]}`, `{"s":"error"}`, false},
	{"anything-but suffix", `{"f":[{"anything-but":{"suffix":".png"}}]}`, `{"f":"a.jpg"}`, true},
	{"anything-but suffix no", `{"f":[{"anything-but":{"suffix":".png"}}]}`, `{"f":"a.png"}`, false},
	{"anything-but ignore case", `{"s":[{"anything-but":{"equals-ignore-case":"Stopped"}}]}`, `{"s":"STOPPED"}`, false},
	{"anything-but ignore case list", `{"s":[{"anything-but":{"equals-ignore-case":["Stopped","Overloaded"]}}]}`, `{"s":"running"}`, true},
	{"anything-but wildcard", `{"p":[{"anything-but":{"wildcard":"*/lib/*"}}]}`, `{"p":"/usr/bin/x"}`, true},
	{"anything-but wildcard no", `{"p":[{"anything-but":{"wildcard":"*/lib/*"}}]}`, `{"p":"/usr/lib/x"}`, false},

	// numeric.
	{"numeric range", `{"c":[{"numeric":[">",0,"<=",5]}]}`, `{"c":5}`, true},
	{"numeric range open end", `{"c":[{"numeric":[">",0,"<=",5]}]}`, `{"c":0}`, false},
	{"numeric range above", `{"c":[{"numeric":[">",0,"<=",5]}]}`, `{"c":5.000001}`, false},
	{"numeric less", `{"c":[{"numeric":["<",10]}]}`, `{"c":-3}`, true},
	{"numeric greater equal", `{"c":[{"numeric":[">=",10]}]}`, `{"c":10.0}`, true},
	{"numeric equals exponent", `{"x":[{"numeric":["=",3.018e2]}]}`, `{"x":301.8}`, true},
	{"numeric not a string", `{"c":[{"numeric":[">",0]}]}`, `{"c":"5"}`, false},
	{"numeric outside range in event", `{"c":[{"numeric":[">",0]}]}`, `{"c":6e9}`, false},
	{"numeric at range limit", `{"c":[{"numeric":[">=",5e9]}]}`, `{"c":5000000000}`, true},
	{"numeric array any", `{"c":[{"numeric":[">",10]}]}`, `{"c":[1,2,30]}`, true},

	// cidr.
	{"cidr IPv4", `{"ip":[{"cidr":"10.0.0.0/24"}]}`, `{"ip":"10.0.0.255"}`, true},
	{"cidr IPv4 outside", `{"ip":[{"cidr":"10.0.0.0/24"}]}`, `{"ip":"10.0.1.0"}`, false},
	{"cidr IPv6", `{"ip":[{"cidr":"2001:db8::/32"}]}`, `{"ip":"2001:db8:1::1"}`, true},
	{"cidr IPv6 outside", `{"ip":[{"cidr":"2001:db8::/32"}]}`, `{"ip":"2001:db9::1"}`, false},
	{"cidr not an address", `{"ip":[{"cidr":"10.0.0.0/8"}]}`, `{"ip":"10.0.0.1.example.com"}`, false},
	{"cidr family", `{"ip":[{"cidr":"0.0.0.0/0"}]}`, `{"ip":"::1"}`, false},

	// exists.
	{"exists true", `{"p":[{"exists":true}]}`, `{"p":"x"}`, true},
	{"exists true null", `{"p":[{"exists":true}]}`, `{"p":null}`, true},
	{"exists true missing", `{"p":[{"exists":true}]}`, `{"q":"x"}`, false},
	{"exists true object is not a leaf", `{"p":[{"exists":true}]}`, `{"p":{"c1":100}}`, false},
	{"exists true array of leaves", `{"p":[{"exists":true}]}`, `{"p":[1]}`, true},
	{"exists true empty array", `{"p":[{"exists":true}]}`, `{"p":[]}`, false},
	{"exists false missing", `{"detail":{"c":[{"exists":false}]}}`, `{"detail":{"state":"x"}}`, true},
	{"exists false present", `{"detail":{"c":[{"exists":false}]}}`, `{"detail":{"c":1}}`, false},
	{"exists false object is not a leaf", `{"detail":{"c":[{"exists":false}]}}`, `{"detail":{"c":{"c1":100}}}`, true},
	{"exists false without parent", `{"detail":{"c":[{"exists":false}]}}`, `{"other":1}`, true},
	{"exists false parent is a leaf", `{"detail":{"c":[{"exists":false}]}}`, `{"detail":"x"}`, true},
	{"exists false parent empty array", `{"detail":{"c":[{"exists":false}]}}`, `{"detail":[]}`, true},
	{"exists false parent array", `{"detail":{"c":[{"exists":false}]}}`, `{"detail":[{"c":1}]}`, false},
	{"exists false deep without parent", `{"a":{"b":{"c":[{"exists":false}]}},"s":["x"]}`, `{"s":"x"}`, true},
	{"exists false or without parent", `{"a":{"$or":[{"b":[{"exists":false}]},{"c":["1"]}]}}`, `{}`, true},
	{"exists false or needs value without parent", `{"a":{"$or":[{"b":["2"]},{"c":["1"]}]}}`, `{}`, false},
	{"exists false empty array", `{"c":[{"exists":false}]}`, `{"c":[]}`, true},
	{"exists false or value", `{"c":[{"exists":false},"x"]}`, `{"c":"x"}`, true},
	{"exists false or value no", `{"c":[{"exists":false},"x"]}`, `{"c":"y"}`, false},
	{"exists false in array element", `{"d":{"c":[{"exists":false}]}}`, `{"d":[{"c":1},{"b":2}]}`, true},

	// $or.
	{"or first", `{"source":["aws.cw"],"$or":[{"m":["cpu"]},{"n":["ec2"]}]}`, `{"source":"aws.cw","m":"cpu"}`, true},
	{"or second", `{"source":["aws.cw"],"$or":[{"m":["cpu"]},{"n":["ec2"]}]}`, `{"source":"aws.cw","n":"ec2"}`, true},
	{"or neither", `{"source":["aws.cw"],"$or":[{"m":["cpu"]},{"n":["ec2"]}]}`, `{"source":"aws.cw","m":"mem"}`, false},
	{"or and still required", `{"source":["aws.cw"],"$or":[{"m":["cpu"]},{"n":["ec2"]}]}`, `{"source":"aws.x","m":"cpu"}`, false},
	{"or nested", `{"$or":[{"a":["1"]},{"b":["2"],"$or":[{"c":["3"]},{"d":["4"]}]}]}`, `{"b":"2","d":"4"}`, true},
	{"or nested no", `{"$or":[{"a":["1"]},{"b":["2"],"$or":[{"c":["3"]},{"d":["4"]}]}]}`, `{"b":"2","d":"5"}`, false},
	{"or inside object", `{"detail":{"$or":[{"s":["x"]},{"t":["y"]}]}}`, `{"detail":{"t":"y"}}`, true},
	{"parallel ors", `{"$or":[{"a":["1"]},{"b":["1"]}],"d":{"$or":[{"s":["x"]},{"t":["y"]}]}}`, `{"b":"1","d":{"s":"x"}}`, true},
	{"or as a field name", `{"$or":{"a":["1"]}}`, `{"$or":{"a":"1"}}`, true},
	{"or with operators is a field", `{"$or":[{"numeric":["=",1]},{"prefix":"a"}]}`, `{"$or":"abc"}`, true},
	{"or in array element", `{"d":{"$or":[{"a":["1"]},{"b":["2"]}],"c":["3"]}}`, `{"d":[{"a":"1","c":"4"},{"b":"2","c":"3"}]}`, true},
	{"or in array element no", `{"d":{"$or":[{"a":["1"]}, {"b":["2"]}],"c":["3"]}}`, `{"d":[{"a":"1","c":"4"},{"b":"5","c":"3"}]}`, false},

	// Mixed conditions on one field.
	{"mixed list", `{"a":[{"prefix":"x"},5,{"numeric":[">",100]}]}`, `{"a":101}`, true},
	{"mixed list no", `{"a":[{"prefix":"x"},5,{"numeric":[">",100]}]}`, `{"a":"y"}`, false},
}

func TestMatch(t *testing.T) {
	for _, tc := range matchCases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile([]byte(tc.pattern))
			if err != nil {
				t.Fatalf("Compile(%s): %v", tc.pattern, err)
			}
			got, err := p.Match([]byte(tc.event))
			if err != nil {
				t.Fatalf("Match(%s): %v", tc.event, err)
			}
			if got != tc.want {
				t.Errorf("pattern %s, event %s: Match = %v, want %v", tc.pattern, tc.event, got, tc.want)
			}
			ref, err := refMatch([]byte(tc.pattern), []byte(tc.event))
			if err != nil {
				t.Fatal(err)
			}
			if ref != tc.want {
				t.Errorf("reference evaluator = %v, want %v", ref, tc.want)
			}
			s := NewSet()
			if err := s.Add("p", []byte(tc.pattern)); err != nil {
				t.Fatal(err)
			}
			ids, err := s.Match([]byte(tc.event))
			if err != nil {
				t.Fatal(err)
			}
			if (len(ids) == 1) != tc.want {
				t.Errorf("Set.Match = %v, want match %v", ids, tc.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		pattern string
		path    string
		reason  string
	}{
		{`[]`, "", "must be a JSON object"},
		{`"x"`, "", "must be a JSON object"},
		{`{`, "", "malformed JSON"},
		{`{"a":["x"]} {}`, "", "unexpected data"},
		{`{}`, "", "empty objects"},
		{`{"a":{}}`, "a", "empty objects"},
		{`{"a":[]}`, "a", "empty arrays"},
		{`{"a":"x"}`, "a", "must be an object or an array"},
		{`{"a":5}`, "a", "must be an object or an array"},
		{`{"a":["x"],"a":["y"]}`, "a", "duplicate field"},
		{`{"a":[["x"]]}`, "a[0]", "nested arrays"},
		{`{"a":[{"foo":"x"}]}`, "a[0].foo", "unknown operator"},
		{`{"a":[{}]}`, "a[0]", "exactly one operator"},
		{`{"a":[{"prefix":"x","suffix":"y"}]}`, "a[0]", "exactly one operator"},
		{`{"a":[{"prefix":5}]}`, "a[0].prefix", "must be a string"},
		{`{"a":[{"prefix":{"foo":"x"}}]}`, "a[0].prefix", "equals-ignore-case"},
		{`{"a":[{"prefix":{"equals-ignore-case":1}}]}`, "a[0].prefix.equals-ignore-case", "must be a string"},
		{`{"a":[{"suffix":null}]}`, "a[0].suffix", "must be a string"},
		{`{"a":[{"equals-ignore-case":["x"]}]}`, "a[0].equals-ignore-case", "must be a string"},
		{`{"a":[{"wildcard":"a**b"}]}`, "a[0].wildcard", "consecutive wildcard"},
		{`{"a":[{"wildcard":"a\\b"}]}`, "a[0].wildcard", "backslash"},
		{`{"a":[{"wildcard":"a\\"}]}`, "a[0].wildcard", "backslash"},
		{`{"a":[{"wildcard":1}]}`, "a[0].wildcard", "must be a string"},
		{`{"a":[{"anything-but":true}]}`, "a[0].anything-but", "must be a string, a number"},
		{`{"a":[{"anything-but":null}]}`, "a[0].anything-but", "must be a string, a number"},
		{`{"a":[{"anything-but":[]}]}`, "a[0].anything-but", "empty arrays"},
		{`{"a":[{"anything-but":["x",1]}]}`, "a[0].anything-but[1]", "only strings or only numbers"},
		{`{"a":[{"anything-but":[true]}]}`, "a[0].anything-but[0]", "strings or numbers"},
		{`{"a":[{"anything-but":{"numeric":[">",1]}}]}`, "a[0].anything-but.numeric", "does not support"},
		{`{"a":[{"anything-but":{"prefix":1}}]}`, "a[0].anything-but.prefix", "a string or a list of strings"},
		{`{"a":[{"anything-but":{"prefix":["x",1]}}]}`, "a[0].anything-but.prefix[1]", "must be a string"},
		{`{"a":[{"anything-but":{"prefix":"x","suffix":"y"}}]}`, "a[0].anything-but", "exactly one"},
		{`{"a":[{"anything-but":{"wildcard":"**"}}]}`, "a[0].anything-but.wildcard", "consecutive wildcard"},
		{`{"a":[{"numeric":5}]}`, "a[0].numeric", "must be an array"},
		{`{"a":[{"numeric":[">"]}]}`, "a[0].numeric", "numeric must be"},
		{`{"a":[{"numeric":[">",1,"<"]}]}`, "a[0].numeric", "numeric must be"},
		{`{"a":[{"numeric":["!",1]}]}`, "a[0].numeric[0]", "unknown numeric operator"},
		{`{"a":[{"numeric":[">","1"]}]}`, "a[0].numeric[1]", "must be a number"},
		{`{"a":[{"numeric":[1,">"]}]}`, "a[0].numeric[0]", "expected a numeric operator"},
		{`{"a":[{"numeric":[">",5,"<",1]}]}`, "a[0].numeric", "range is empty"},
		{`{"a":[{"numeric":[">",1,"<",1]}]}`, "a[0].numeric", "range is empty"},
		{`{"a":[{"numeric":["<",5,">",1]}]}`, "a[0].numeric[0]", "lower bound"},
		{`{"a":[{"numeric":[">",1,">",2]}]}`, "a[0].numeric[2]", "lower bound"},
		{`{"a":[{"numeric":["=",1,"<",2]}]}`, "a[0].numeric[0]", "cannot be combined"},
		{`{"a":[{"numeric":[">",5.1e9]}]}`, "a[0].numeric[1]", "outside the numeric matching range"},
		{`{"a":[{"numeric":["<",-6e9]}]}`, "a[0].numeric[1]", "outside the numeric matching range"},
		{`{"a":[1e400]}`, "a[0]", "out of range"},
		{`{"a":[{"anything-but":6e9}]}`, "a[0].anything-but", "outside the numeric matching range"},
		{`{"a":[{"anything-but":[1,-6e9]}]}`, "a[0].anything-but[1]", "outside the numeric matching range"},
		{`{"a":[{"cidr":"10.0.0.0"}]}`, "a[0].cidr", "malformed CIDR"},
		{`{"a":[{"cidr":"10.0.0.0/33"}]}`, "a[0].cidr", "malformed CIDR"},
		{`{"a":[{"cidr":"2001:db8::/129"}]}`, "a[0].cidr", "malformed CIDR"},
		{`{"a":[{"cidr":"not-an-ip/8"}]}`, "a[0].cidr", "malformed CIDR"},
		{`{"a":[{"cidr":10}]}`, "a[0].cidr", "must be a string"},
		{`{"a":[{"exists":"true"}]}`, "a[0].exists", "true or false"},
		{`{"$or":[{"a":["1"]}]}`, "$or[0].a", "unknown operator"},
		{`{"$or":[{"a":["1"]},{}]}`, "$or[1]", "empty objects"},
		{`{"$or":[{"a":["1"]},{"b":"x"}]}`, "$or[1].b", "must be an object or an array"},
		{`{"d":{"e":{"f":[{"prefix":[]}]}}}`, "d.e.f[0].prefix", "must be a string"},
		{`{"a":["` + strings.Repeat("x", 4100) + `"]}`, "", "the limit is 4096"},
	}
	for _, tc := range tests {
		t.Run(tc.pattern[:min(len(tc.pattern), 60)], func(t *testing.T) {
			_, err := Compile([]byte(tc.pattern))
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Compile(%s) = %v, want *Error", tc.pattern, err)
			}
			if pe.Path != tc.path || !strings.Contains(pe.Reason, tc.reason) {
				t.Errorf("Compile(%s) = path %q reason %q; want path %q reason containing %q", tc.pattern, pe.Path, pe.Reason, tc.path, tc.reason)
			}
			s := NewSet()
			if err := s.Add("x", []byte(tc.pattern)); !errors.As(err, &pe) {
				t.Errorf("Set.Add = %v, want *Error", err)
			}
			if s.Len() != 0 {
				t.Errorf("invalid pattern was added")
			}
		})
	}
}

func TestInvalidEvents(t *testing.T) {
	p, err := Compile([]byte(`{"a":["x"],"b":{"c":[1]}}`))
	if err != nil {
		t.Fatal(err)
	}
	events := []string{
		``, ` `, `[]`, `"x"`, `1`, `null`, `{`, `{"a"}`, `{"a":}`, `{"a":"x",}`, `{"a":"x"`, `{"a":"x"}}`,
		`{"a":"x"} {}`, `{"a":tru}`, `{"a":nul}`, `{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`, `{"a":+1}`,
		`{"a":"\x"}`, `{"a":"\u12"}`, "{\"a\":\"\x01\"}", `{"a":"x}`, `{a:"x"}`, `{"z":[1,2,]}`, `{"z":[1 2]}`,
		`{"z":{"y":1,}}`, `{"b":{"c":[1,]}}`, `{"z":{"y"}}`, `{"a":"x","b":{"c":NaN}}`,
		strings.Repeat(`{"b":`, 1200) + `1` + strings.Repeat(`}`, 1200),
		`{"z":` + strings.Repeat(`[`, 1200) + strings.Repeat(`]`, 1200) + `}`,
	}
	s := NewSet()
	if err := s.Add("p", []byte(`{"a":["x"]}`)); err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		var ee *EventError
		if ok, err := p.Match([]byte(ev)); !errors.As(err, &ee) || ok {
			t.Errorf("Match(%.40q) = %v, %v; want *EventError", ev, ok, err)
		}
		if ids, err := s.Match([]byte(ev)); !errors.As(err, &ee) || len(ids) != 0 {
			t.Errorf("Set.Match(%.40q) = %v, %v; want *EventError", ev, ids, err)
		}
	}
	// Nesting up to the limit is accepted.
	deep := `{"z":` + strings.Repeat(`[`, 1000) + strings.Repeat(`]`, 1000) + `,"a":"x","b":{"c":1}}`
	if ok, err := p.Match([]byte(deep)); err != nil || !ok {
		t.Errorf("deep event: %v, %v", ok, err)
	}
}

func TestSet(t *testing.T) {
	s := NewSet()
	add := func(id, src string) {
		t.Helper()
		if err := s.Add(id, []byte(src)); err != nil {
			t.Fatal(err)
		}
	}
	add("ec2-any", `{"source":["aws.ec2"]}`)
	add("sg-ingress", `{"source":["aws.ec2"],"detail":{"eventName":["AuthorizeSecurityGroupIngress"]}}`)
	add("authorize-prefix", `{"detail":{"eventName":[{"prefix":"Authorize"}]}}`)
	add("not-iam", `{"source":[{"anything-but":"aws.iam"}]}`)
	add("no-error", `{"detail":{"errorCode":[{"exists":false}]}}`)
	add("s3", `{"source":["aws.s3"]}`)

	ev := `{"source":"aws.ec2","detail":{"eventName":"AuthorizeSecurityGroupIngress"}}`
	want := []ID{"authorize-prefix", "ec2-any", "no-error", "not-iam", "sg-ingress"}
	got, err := s.Match([]byte(ev))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Match = %v, want %v", got, want)
	}

	// Replacing a pattern under the same ID.
	add("s3", `{"detail":{"eventName":["AuthorizeSecurityGroupIngress"]}}`)
	got, _ = s.Match([]byte(ev))
	if want := []ID{"authorize-prefix", "ec2-any", "no-error", "not-iam", "s3", "sg-ingress"}; !slices.Equal(got, want) {
		t.Errorf("after replace: Match = %v, want %v", got, want)
	}
	if !s.Remove("ec2-any") || s.Remove("ec2-any") {
		t.Error("Remove did not report presence correctly")
	}
	got, _ = s.Match([]byte(ev))
	if want := []ID{"authorize-prefix", "no-error", "not-iam", "s3", "sg-ingress"}; !slices.Equal(got, want) {
		t.Errorf("after remove: Match = %v, want %v", got, want)
	}
	// MatchAppend appends.
	dst := []ID{"keep"}
	dst, err = s.MatchAppend(dst, []byte(`{"source":"aws.iam","detail":{"errorCode":"X"}}`))
	if err != nil || !slices.Equal(dst, []ID{"keep"}) {
		t.Errorf("MatchAppend = %v, %v", dst, err)
	}
	if s.Len() != 5 {
		t.Errorf("Len = %d, want 5", s.Len())
	}
}

func TestSetEmpty(t *testing.T) {
	s := NewSet()
	ids, err := s.Match([]byte(`{"a":1}`))
	if err != nil || len(ids) != 0 {
		t.Errorf("Match on empty set = %v, %v", ids, err)
	}
	if _, err := s.Match([]byte(`{"a":`)); err == nil {
		t.Error("empty set accepted malformed event")
	}
}

// TestSetConcurrent runs Match while patterns are added and removed; run it
// with -race.
func TestSetConcurrent(t *testing.T) {
	s := NewSet()
	for i := range 20 {
		if err := s.Add(fmt.Sprintf("p%02d", i), []byte(fmt.Sprintf(`{"n":[%d]}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				n := (i + g) % 20
				ids, err := s.Match([]byte(fmt.Sprintf(`{"n":%d}`, n)))
				if err != nil {
					t.Error(err)
					return
				}
				if !slices.Equal(ids, []ID{fmt.Sprintf("p%02d", n)}) {
					t.Errorf("Match(n=%d) = %v", n, ids)
					return
				}
			}
		}()
	}
	for i := range 200 {
		id := fmt.Sprintf("x%d", i)
		if err := s.Add(id, []byte(`{"n":[-1]}`)); err != nil {
			t.Error(err)
		}
		s.Remove(id)
	}
	wg.Wait()
}
