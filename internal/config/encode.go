package config

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vigil-sec/vigil/internal/rules"
)

// Marshal writes c as a configuration file, every key included, that
// Parse reads back equal to c (`vigil config check --print`).
func (c *Config) Marshal() ([]byte, error) {
	n := encodeValue(reflect.ValueOf(c).Elem())
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("marshal configuration: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("marshal configuration: %w", err)
	}
	return b.Bytes(), nil
}

func scalarNode(tag, v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v}
}

// FormatDuration writes d as a Go duration without zero tails: "1m",
// "1h30m", "500ms".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func encodeValue(v reflect.Value) *yaml.Node {
	switch v.Type() {
	case durationType:
		return scalarNode("!!str", FormatDuration(time.Duration(v.Int())))
	case sizeType:
		s := Size(v.Int()).String()
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return scalarNode("!!int", s)
		}
		return scalarNode("!!str", s)
	case priorityType:
		return scalarNode("!!str", strings.ToLower(rules.Priority(v.Int()).String()))
	}
	switch v.Kind() {
	case reflect.String:
		return scalarNode("!!str", v.String())
	case reflect.Bool:
		return scalarNode("!!bool", strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int32, reflect.Int64:
		return scalarNode("!!int", strconv.FormatInt(v.Int(), 10))
	case reflect.Slice:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if v.Len() == 0 {
			n.Style = yaml.FlowStyle
		}
		for i := range v.Len() {
			n.Content = append(n.Content, encodeValue(v.Index(i)))
		}
		return n
	case reflect.Map:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if v.Len() == 0 {
			n.Style = yaml.FlowStyle
		}
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		for _, k := range keys {
			n.Content = append(n.Content, scalarNode("!!str", k), encodeValue(v.MapIndex(reflect.ValueOf(k))))
		}
		return n
	case reflect.Pointer:
		return encodeValue(v.Elem())
	case reflect.Struct:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, f := range fieldsOf(v.Type()) {
			fv := v.Field(f.index)
			if fv.Kind() == reflect.Pointer && fv.IsNil() {
				continue
			}
			n.Content = append(n.Content, scalarNode("!!str", f.key), encodeValue(fv))
		}
		return n
	}
	panic("config: no encoder for " + v.Type().String())
}
