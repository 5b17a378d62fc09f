"""Speech-act markers: the patterns that tell a question, a proposal, a refusal, an outcome."""

from __future__ import annotations

import re

from utility_gym.core.nlu.dispatch import _Gated

# --------------------------------------------------------------------------------------------
# Speech-act markers
# --------------------------------------------------------------------------------------------

_FILLER_RX = re.compile(
    r"[\s,:;!.\-+>#()\d\"']*"
    r"(?:(?:ok(?:ay)?|great|sure(?: thing)?|alright|all right|thanks(?: so much)?|thank you(?: so "
    r"much)?|perfect|got it|and|also|so|now|next|lastly|"
    r"first(?:ly)?|finally|then|well|oh|hmm+|just|quickly|one more thing|quick "
    r"question|lovely|brilliant|right|cool|"
    r"awesome|excellent|understood|no problem|no worries|certainly|absolutely|of "
    r"course|yes|yep|no|ah|i see|"
    r"by the way|btw|in that case|to get started|to start|great "
    r"news|noted|wonderful|fantastic|super|nice|"
    r"gotcha|sounds good|hi|hello|hey|hi there|hello there|hey there|good morning|good "
    r"afternoon|good evening|"
    r"apologies|sorry|my apologies|cheers|thanks again|to verify your identity|for "
    r"verification|for security purposes|"
    r"for security|before we (?:continue|proceed|begin|start)|before i (?:proceed|continue|go "
    r"ahead)|to proceed|"
    r"in order to (?:help|proceed|continue)|to help (?:you )?(?:with (?:that|this))?|so (?:that "
    r")?i can (?:help|look into this|check)|"
    r"to (?:look into|check) (?:this|that)|actually|also)"
    r"(?=[\s,:;!.\-]|$)[\s,:;!.\-]*)*"
)
_WH_RX = re.compile(r"(?:what|what's|which|why|where|when|who|whose|whom|how)\b")
_WH_DECL_RX = re.compile(
    r"(?:what|how|where|when|why) (?:i|we|i'll|we'll|i've|we've|i'm|we're|you'll|happens|will "
    r"happen|this means|that means)\b"
)
_AUX_Q_RX = re.compile(
    r"(?:could|can|would|will|may|might|do|does|did|is|are|was|were|have|has|shall|should|won't|"
    r"can't|"
    r"isn't|wouldn't|couldn't|d'you|any|anything|want|need|got|ready|okay|ok|happy)\b\s*"
    r"(?:you|i|we|it|this|that|there|these|those|your|the|my|anyone|everything|any|me|else|more|"
    r"other|us|to|for|with)\b"
)
_COND_RX = re.compile(
    r"(?:if|unless|once|when|whenever|after|as soon as|in case|should you|provided|in the event)\b"
)

_IMP_START_RX = re.compile(
    r"(?:(?:please|kindly|now|also|and|just|so|then|first|next|simply) )*"
    r"(?:provide|share|give|tell|send|enter|type|confirm|verify|specify|describe|explain|include|"
    r"list|select|choose|"
    r"pick|paste|upload|attach|fill in|input|spell|repeat|double[- ]?check|re-?check|let (?:me|us) "
    r"know|reply|respond|"
    r"indicate|state|mention|drop "
    r"(?:me|us)|write|submit|forward|supply|clarify|elaborate|rephrase)\b"
)
# One anchored match classifies how a clause opens (after fillers): a wh-question, an
# auxiliary question, a condition or an imperative request. Order matters: "how about" is an
# offer, not a question; "should you need" is a condition, not a question.
_OPENER_RX = re.compile(
    r"(?P<offer>how about|what about)\b"
    r"|(?P<cond>" + _COND_RX.pattern + r")"
    r"|(?P<wh>" + _WH_RX.pattern + r")"
    r"|(?P<aux>" + _AUX_Q_RX.pattern + r")"
    r"|(?P<imp>" + _IMP_START_RX.pattern + r")"
)
_IMP_ANY_RX = re.compile(
    r"\b(?:i|we)(?:'ll| will|'d| would)? (?:just |also |first |still |now |only |really "
    r")?(?:need|require)\b"
    r"(?! to (?!(?:get|have|know|see|confirm|verify|ask|check|grab)\b))"
    r"|\bneed (?:your|the|a|an|you to)\b"
    r"|\b(?:if you (?:could|can|would)|would you mind|do you mind|mind "
    r"(?:sharing|providing|telling|letting|sending|giving|confirming))\b"
    r"|\b(?:it )?(?:would|will|'d) (?:also )?(?:help|be (?:helpful|useful|great)) (?:me )?(?:to "
    r"know|to have|if you)\b|\b(?:helpful|useful) to know\b"
    r"|\b(?:i'd|i would|we'd|we would) (?:also )?like you to\b"
    r"|\b(?:would|'d) appreciate (?:it )?if you\b"
    r"|\bwhat (?:i|we) (?:need|require)\b"
    r"|\blet (?:me|us) know\b"
    r"|\b(?:can|could|may|might) (?:i|we) (?:please "
    r")?(?:have|get|ask|take|grab|confirm|verify|trouble you|also have|also get)\b"
    r"|\b(?:please|kindly) "
    r"(?:provide|share|give|tell|send|enter|type|confirm|verify|specify|describe|explain|include|"
    r"list|select|choose|pick|paste|upload|attach|fill|input|spell|repeat|double[- "
    r"]?check|reply|respond|let)\b"
)
_PLEASE_RX = re.compile(
    r"\b(?:please|kindly)\b(?! (?:note|be (?:aware|advised)|allow|hold|wait|bear|rest assured|keep "
    r"in mind|expect|"
    r"stand by|don't hesitate|do not hesitate|feel free|accept|enjoy|let me know if you need|reach "
    r"out|contact us|"
    r"check your (?:inbox|email|spam)))"
)

# Cues that govern a following slot ("give me your | email").
_CUE_RX = re.compile(
    r"\b(?:what's|what is|what|which|whose|provide|share|give|tell|send|enter|type|confirm|verify|"
    r"need|require|have|get|"
    r"know|specify|include|list|spell|repeat|double[- "
    r"]?check|re-?check|recheck|input|supply|indicate|paste|upload|"
    r"attach|choose|select|pick|mention|take|grab|ask for|ask|remember|find|is your|'s your|"
    r"let me know|let us know|preferences? (?:on|for|in|of|regarding)|(?:any |a )?particular)\b"
)
_GAP_RX = re.compile(
    r"[\s,]*(?:(?:me|us|with|for me|for us|again|also|just|quickly|please|kindly|both|down|in)\s+)*"
    r"(?:(?:the|your|a|an|this|that|any|my|our|its|his|her|their|new|correct|full|exact|best|"
    r"preferred|desired|"
    r"current|updated|last|first|registered|primary|same|complete|whole|valid|old|original|billing|"
    r"shipping|account|"
    r"affected|specific|following|actual|good|rough|approximate|long|\d+|four|reason|manager's|"
    r"main|"
    r"delivery|mailing|home|work|full|more|further|additional|some|few|bit|little|of|extra|"
    r"any)\s+){0,5}"
)
_LIST_GAP_RX = re.compile(
    # "your zip code on your account, and the order ID": a short qualifier of the previous fact
    # first
    r"(?:\s+(?:on|in|for|from|associated with|linked to|tied to|on file|you(?:'d)? "
    r"(?:use[ds]?|need|want|like|have))"
    r"(?:\s+[a-z']+){0,3}?(?=[\s,]*(?:and|or|plus|as well as|along with|together with)\b))?"
    r"[\s,/&+]*(?:(?:and|or|plus|as well as|along with|together "
    r"with|then|also)\b[\s,]*)?(?:\d[.)]\s*|[a-z][.)]\s+)?"
    r"(?:(?:the|your|a|an|my|new|preferred|desired|correct|full|best|current|also|account|billing|"
    r"registered|account's|short|brief|"
    r"complete|exact|[a-z]+'s)\s+){0,3}"
)
_CAN_RX = re.compile(r"\b(?:i|we|you) (?:can|could)\b(?! ?not\b|'t)")
_CAPABILITY_RX = re.compile(r"\b(?:can|could|able to|would|may|might)(?: [a-z]+)?(?: and)? $")
_CONTRAST_RX = re.compile(
    r"(?:but|however),? (?!(?:i|we) (?:can't|cannot|won't|don't|am not|'m not))"
)
_COORDINATORS = frozenset(("and", "or", "&", "+", "plus", "also", "well", "then", "including"))
_VERIFY_RX = re.compile(r"\s*(?:is|are|=|:|is still|still is|on file is)\s+[^\s?]")
_VERIFY_CUE_RX = re.compile(r"\b(?:confirm|verify|correct|right|still)\b")
_PREPS = frozenset(
    (
        "for",
        "on",
        "with",
        "to",
        "about",
        "in",
        "from",
        "at",
        "by",
        "into",
        "via",
        "under",
        "through",
        "associated",
        "if",
        "whether",
        "when",
        "once",
        "unless",
    )
)
_DETERMINERS = frozenset(
    (
        "the",
        "your",
        "a",
        "an",
        "this",
        "that",
        "my",
        "our",
        "their",
        "new",
        "same",
        "old",
        "these",
        "those",
    )
)

_CONFIRM_STRONG_RX = re.compile(
    r"\b(?:shall i|should i|shall we|should we|do you want me to|would you like me to|want me "
    r"to|would you like us to|"
    r"do you want us to|(?:may|can|could) i (?:go ahead|proceed|continue)|ok(?:ay)? (?:to|if i|if "
    r"we|for me to) \w+|"
    r"(?:is it|is that) (?:ok|okay|alright|all right|fine)(?: with you)?(?: (?:if|to|for me))?|"
    r"do i have your (?:permission|consent|go-ahead|ok|approval)|(?:can|may) i have your "
    r"(?:permission|consent|go-ahead|ok|approval|confirmation)|"
    r"(?:would|do) you (?:like|want|wish) to (?:proceed|go "
    r"ahead|continue|confirm)|(?:want|like|wish) to (?:proceed|go ahead|continue)|"
    r"would (?:that|this) (?:work|be ok|be okay|suit you|be acceptable)|"
    r"(?<!so i can )(?<!so that i can )(?<!so we can )(?<!before i can )proceed\s*\?|(?<!so i can "
    r")go ahead\s*\?|(?:reply|respond|answer|say|type|write|text)(?: with)?(?: a)? "
    r"\"?'?(?:yes|y|ok|confirm)\b|"
    r"(?:reply|respond|type|text|say)(?: with)? [\"']?[a-z]+[\"']? to "
    r"(?:confirm|proceed|cancel|continue|approve|accept|go ahead|apply)\b|yes or no|yes/no|\(y/n\)|"
    r"ready (?:for me )?to (?:proceed|go|check ?out|place|continue|submit|order|confirm)|are you "
    r"sure|are you ok(?:ay)? with|"
    r"sounds? good\s*\?|does (?:that|this|everything|it) (?:sound|look|work)|"
    r"(?:is|are) (?:that|this|everything|these|those|the details|all of that|all that) "
    r"(?:right|correct|ok|okay|accurate|fine|alright|good)|"
    r"(?:correct|right|ok|okay|alright|yes|agreed|good to go|confirm)\s*\?|(?:want|like|need) "
    r"(?:it|them|that one|this one|one)\s*\?|just say the word|(?:just )?(?:say|give me) the "
    r"go-?ahead|"
    r"(?:look|looks|sound|sounds|seem|seems) (?:good|right|ok|okay|correct|fine)\s*\?|all good(?: "
    r"to go(?: ahead)?)?\s*\?|"
    r"(?:buy|purchase|check ?out|place (?:the |your |an |it |this )?order|order)(?: "
    r"(?:it|them|this|that|these|now|both|one))+\s*\?|"
    r"place (?:the |your |an |this )?order\s*\?|"
    r"(?:may|can|could) (?:i|we) (?:go ahead and "
    r")?(?:apply|add|issue|process|submit|send|place|book|order|cancel|return|exchange|"
    r"reset|unlock|grant|escalate|reopen|refund|change|update|credit|set|put|make|buy|purchase|"
    r"link|log|open|raise|request)\b|"
    r"(?:i )?(?:just |only )?need your "
    r"(?:confirmation|go-?ahead|ok|okay|approval|permission|consent)|"
    r"is (?:that|this|it) the (?:one|right one|correct one|right order|correct order)|happy (?:for "
    r"me )?to (?:proceed|go ahead)|good to go|"
    r"(?:confirm|say yes) to (?:proceed|continue|go ahead)|(?:shall|should) (?:i|we) go "
    r"ahead)(?![a-z0-9])"
)
_CONFIRM_WEAK_RX = re.compile(
    r"\b(?:just to (?:confirm|double[- ]check|be sure|be clear|clarify|verify|make sure)|"
    r"(?<!need )(?<!have )(?<!want )(?<!able )(?<!going )to (?:confirm|recap|summari[sz]e|be "
    r"clear)|"
    r"so i'm clear|(?<!need to )(?<!have to )(?<!must )(?<!want to )(?<!able to )(?<!'ll )(?<!will "
    r")"
    r"(?:please |can you |could you |kindly )?confirm (?:that|if|whether|you|this|it|the "
    r"following|for me)|"
    r"please confirm(?! (?:your|the (?!following)))|once you confirm|(?:with|after|upon|on) your "
    r"(?:confirmation|approval|permission|ok|go-ahead)|"
    r"before i (?:proceed|go ahead|submit|finali[sz]e|process|place|cancel|make)|let me (?:just "
    r")?(?:confirm|recap)|"
    r"if (?:that|this|everything) (?:looks|sounds|is) (?:good|right|correct|ok|okay|fine)|"
    r"let me know if (?:you'd like|you want|you'd prefer) (?:me|us) to|let me know if "
    r"(?:that|this) works|"
    r"here(?:'s| is) (?:a |the |your )?(?:quick |brief |short )?(?:summary|recap|plan)|here(?:'s| "
    r"is) what (?:i'll|i will|we'll|i'm going to|i can|i'd|will happen|happens)(?! need| require| "
    r"ask)|"
    r"in summary|(?:order |request |change |exchange |return )?summary(?=\s*(?::|\n|$))|"
    r"confirm(?:ing)? (?:the|your|this) "
    r"(?:cancel[a-z]*|return|exchange|refund|change|modification|request|purchase|details|swap))\b"
)
_WANT_RX = re.compile(
    r"\b(?:do|would|will|did) you (?:still |also )?(?:like|want|wish|need)\b(?! me\b| us\b)"
)
_OFFER_RX = re.compile(
    r"\b(?:instead|alternatively|as an alternative|an alternative|other alternatives?|i "
    r"(?:can|could) offer|we (?:can|could) offer|"
    r"(?:i'd|i would|we'd|we would) (?:be happy|be glad|like) to offer|offer you|happy to "
    r"(?:offer|give you|provide you)|"
    r"how about|what about|another option|other options?|one option|"
    r"(?:here are|there are) (?:your|some|a few|the|two|three|several|a couple of) "
    r"(?:options|alternatives|choices)|"
    r"options? (?:is|are|would be|include)|you (?:could|can|may|might) (?:also |instead "
    r")?(?:opt|choose|consider|request|go with|get|try|pick|select)|"
    r"what (?:i|we) can do is|the best (?:i|we) can do|(?:but|however,?) (?:i|we) (?:can|could|do "
    r"have|have|offer)|"
    r"(?<!glad )(?<!hope )(?<!wish )(?<!if )i could "
    r"(?!not\b|n't|help\b|have\b|be\b|see\b|find\b|get\b)|"
    r"(?<!if )we could (?!not\b|n't|help\b|have\b|be\b|see\b|find\b)|i'd (?:recommend|suggest)|i "
    r"(?:recommend|suggest)|"
    r"you (?:might|may) (?:like|prefer|want to consider)|if you(?:'d)? (?:prefer|rather)|if you "
    r"like,|"
    r"would you (?:rather|prefer|consider)|would you be (?:interested|open)|are you "
    r"interested|interested in|"
    r"as a (?:goodwill |one-time |one time )?(?:gesture|courtesy)|goodwill gesture|"
    r"i can (?:give|issue|send|provide|apply|extend|knock|take) you|"
    r"would (?:a|an|some) [^ ]+(?: [^ ]+){0,4} (?:help|work|do|suffice|be "
    r"(?:ok|okay|acceptable|helpful))|"
    r"would (?:either|any) of (?:those|these|them) work|(?:i|we) can,? "
    r"however|interested\s*\?|(?:do )?any of (?:these|those|them) "
    r"(?:catch|interest|appeal|work|suit)|"
    r"we (?:have|carry|stock) (?:a few|some|two|three|four|several|a couple of|\d+) "
    r"(?:options|choices|alternatives|models))\b"
)
_REFUSE_RX = re.compile(
    r"\b(?:can't|cannot|can not|couldn't|could not|unable to|not able to|won't be able to|will not "
    r"be able to|"
    r"wasn't able to|was not able to|not be able to|won't let me|will not let me|doesn't let "
    r"me|does not let me|"
    r"no longer (?:able|possible|eligible))\b(?:(?P<nf>\s+(?:seem "
    r"to\s+)?(?:find|locate|see|match|pull (?:it |that |this )?up|retrieve|"
    r"identify|access your (?:account|records)))|(?P<neu>\s+(?:hear|understand|read|catch|be "
    r"undone|be reversed|undo|wait|thank|"
    r"stress|open|load)))?"
    r"|\b(?:isn't|is not|'s not|not|aren't|are not|wasn't|'re "
    r"not)\s+(?:really\s+|currently\s+)?(?:possible|allowed|permitted|authori[sz]ed|"
    r"eligible|able|covered|available|an option|something (?:i|we) can|something (?:i'm|i "
    r"am|we're|we are) (?:able|allowed|permitted) to|"
    r"returnable|refundable|cancell?able|exchangeable|"
    r"supported|in stock|valid|applicable|possible to)\b"
    r"|\b(?:impossible|ineligible|non-?(?:returnable|refundable|cancell?able)|final sale|out of "
    r"stock|sold out|unavailable|"
    r"no can do|not in a position to|nothing (?:more |else )?(?:i|we) can do|i'm afraid not|"
    r"beyond (?:my|our) (?:control|authority|ability)|against (?:our |the |company "
    r")?polic(?:y|ies)|denied|rejected|declined)\b"
    r"|\b(?:doesn't|does not|don't|do not|won't|will "
    r"not)\s+(?:allow|permit|support|offer|accept|cover|qualify|do|honou?r|ship|deliver|sell|"
    r"provide|have (?:the )?(?:ability|permissions?|access|authority|rights))\b"
    r"|\b(?:don't|do not|doesn't|does not) (?:have|carry|stock|sell) "
    r"(?:that|this|it|them|those|these|any)\b(?: [a-z]+){0,3} in stock\b"
    r"|\b(?:outside|past|beyond|after)\s+(?:of\s+)?(?:the|our|your)\s+(?:[a-z0-9-]+\s+){0,"
    r"3}?(?:window|period|timeframe|deadline|policy)\b"
    r"|\b(?:window|period|deadline)\s+(?:has\s+)?(?:closed|expired|passed|ended|lapsed)\b"
    r"|\b(?:i|we) (?:must|have to|need to) (?:decline|deny|refuse)\b"
)
_GREET_START_RX = re.compile(
    r"[\s\"'(]*(?:hi|hello|hey|hiya|howdy|greetings|good "
    r"(?:morning|afternoon|evening|day)|welcome|dear|yo)\b"
)
_GREET_ANY_RX = re.compile(
    r"\b(?:how (?:can|may|might|could) (?:i|we) (?:help|assist)(?: you)?(?! with anything else| "
    r"further)|"
    r"what can (?:i|we) (?:do for you|help (?:you )?with)|how can (?:i|we) be of "
    r"(?:help|assistance)|what brings you|"
    r"thanks? (?:you )?for (?:contacting|reaching out to|reaching out|calling|getting in "
    r"touch|choosing|visiting|writing in|messaging)|"
    r"welcome (?:to|back)|you're (?:chatting|speaking|talking) with|you(?:'ve| have) "
    r"reached)(?![a-z0-9])"
)
_THANK_RX = re.compile(
    r"\b(?:thanks|thank you|thankyou|thx|ty|many thanks|much "
    r"appreciated|cheers|grateful)\b|\bthank\b|"
    r"(?<!i'd )(?<!i would )(?<!we'd )(?<!we would )\bappreciate(?:d|s)?\b(?! it if)"
)
_APOLOGY_RX = re.compile(
    r"\b(?:sorry|apologi[sz]e[sd]?|apologies|apology|my "
    r"bad|regret(?:s|tably)?|pardon|forgive|oops)\b"
)
_BYE_RX = re.compile(
    r"\b(?:good-?bye|bye(?:-bye| for now)?|take care|talk (?:to you )?soon|speak (?:to you "
    r")?soon|(?<!i )(?<!can )see you (?:soon|later|next time|around|again)|farewell|all the best|"
    r"have a (?:good|great|nice|wonderful|lovely|fantastic|pleasant|safe|blessed|brilliant|good "
    r"rest of your|great rest of your)"
    r"(?: [a-z]+)?(?: (?:day|one|evening|night|weekend|afternoon|week|morning|time|rest of your "
    r"day))?|"
    r"enjoy (?:your|the rest of your) (?:day|evening|weekend|afternoon|week|new "
    r"[a-z]+|[a-z]+)|until next time|signing off|"
    r"this (?:chat|conversation|session) (?:will|is going to) (?:now )?(?:close|end)|closing "
    r"(?:this|the) (?:chat|conversation)|"
    r"best regards|kind regards|warm regards)\b"
)
_ASK_MORE_RX = re.compile(
    r"\b(?:(?<!n't )(?<!not )anything else|something else|anything more|anything further|what else|"
    r"any (?:more|further|other) (?:questions?|issues?|concerns?|requests?|help|problems?|things?)|"
    r"other questions|is there more|(?:more|further|other) (?:help|assistance)|further "
    r"questions|help (?:you )?with anything)\b"
)
_WAIT_RX = re.compile(
    r"\b(?:one (?:moment|sec(?:ond)?|minute|min)|just a (?:moment|sec(?:ond)?|minute|min|tick|mo)|"
    r"(?:give|allow) me (?:a|one|just a|a few) (?:moment|sec(?:ond)?|minute|min|tick)s?|a "
    r"(?:moment|few moments|few minutes|minute) while|"
    r"bear with me|hold on|hang on|hang tight|please (?:hold|wait|stand by)|stand by|"
    r"let me (?:just |quickly |now |go |first "
    r")?(?:check|look|see|pull|verify|find|search|review|take a look|have a "
    r"look|dig|double-check|get that|look into|track|locate)|"
    r"i'll (?:just |quickly |now )?(?:check|look into|look that up|see what|take a look|have a "
    r"look|pull (?:that|it) up|pull up)|"
    r"i'm (?:just |now |currently |still "
    r")?(?:checking|looking|pulling|reviewing|searching|verifying|waiting)|"
    r"checking (?:now|on|that|your|the|this|with)|looking (?:that|it|this) up|looking into|"
    r"while i (?:check|look|pull|verify|review|process|connect|transfer|search|confirm|create|set|"
    r"get|find)|momentarily)\b"
    r"|\bchecking(?:\.\.\.|$)"
)
_TRANSFER_RX = re.compile(
    r"\b(?:transfer(?:ring|red)? you|connect(?:ing)? you (?:to|with)|put(?:ting)? you "
    r"through|hand(?:ing)? you (?:over|off)|"
    r"pass(?:ing)? you (?:on|over|along|to)|rout(?:e|ing) you|transferred (?:your|the|this) "
    r"(?:chat|call|case|conversation)|(?:be|are|'re|being|been) (?:now )?(?:transferred|connected)|"
    r"(?:will|'ll) (?:be with you|join (?:you|the chat)|take over|pick (?:this|it) "
    r"up)|bring(?:ing)? in (?:a|my|our) "
    r"(?:colleague|supervisor|specialist|manager)|escalat(?:e|ing) you to)\b"
)
_DONE_RX = re.compile(
    r"\b(?:has|have|had|'ve)\s+(?:(?:now|just|already|successfully|also|recently|officially|"
    r"finally|since|all)\s+)*(?:been\s+)?"
    r"(?:[a-z]+[^\We]ed|[a-z]+en|done|sent|made|set|reset|issued|put|paid|got|found|told|left|"
    r"built|bought|shut|cut|spent|kept|held|"
    r"sold|had|seen|gone|run|begun|brought|shipped)\b"
    r"|\b(?:'s been|it's been|was|were|got|gets)\s+(?:(?:now|already|successfully|fully|just|also|"
    r"all|officially|finally|automatically)\s+)*"
    r"(?:[a-z]+[^\We]ed|sent|set|reset|issued|paid|done|made|shipped)\b"
    r"|\b(?:i|we)\s+(?:(?:just|also|already|successfully|now)\s+)*(?:[a-z]+[^\We]ed|sent|made|"
    r"found|got|saw|set|reset|issued|put|paid|went|did|took|gave|ran|had)\b"
)
_STATUS_RX = re.compile(
    r"\b(?:cancell?ed|refunded|returned|exchanged|updated|changed|unlocked|granted|approved|"
    r"rejected|escalated|created|"
    r"submitted|placed|processed|delivered|shipped|dispatched|completed|resolved|closed|confirmed|"
    r"done|pending|processing|"
    r"in transit|out for delivery|on (?:its|the) way|on hold|in "
    r"progress|added|removed|applied|issued|scheduled|provisioned|"
    r"reserved|received|all set|successful(?:ly)?|complete|verified|located|reset|sent|booked|"
    r"activated|deactivated|enabled|"
    r"disabled|back in stock|in "
    r"stock|active|eligible|expired|assigned|opened|logged|raised|ordered)\b"
)
_STATE_RX = re.compile(
    r"\b(?:(?:i|we) (?:can )?(?:see|show|notice) (?!what|if|how|why|whether)(?=[a-z0-9#$])|i'm "
    r"(?:not )?(?:seeing|showing)|(?:looks|seems|appears) (?:like|that|to be)|"
    r"according to|per (?:our|my|the) (?:records|system)|here(?:'s| is| are)|there(?:'s| is| are| "
    r"was| were)|good news|fyi|"
    r"please note|note that|just so you know|heads up|for your (?:information|reference|records)|"
    r"(?:is|are) (?:due|scheduled|expected|estimated))\b"
)
_ENTITY_RX = re.compile(
    r"\b(?:orders?|items?|packages?|parcels?|shipments?|deliver(?:y|ies)|refunds?|tickets?|"
    r"incidents?|cases?|requests?|"
    r"accounts?|passwords?|status|total|balance|prices?|costs?|amounts?|payments?|charges?|cards?|"
    r"subscriptions?|"
    r"licen[cs]es?|access|credits?|vouchers?|warranty|laptops?|devices?|products?|exchanges?|"
    r"returns?|labels?|tracking|"
    r"stock|eta|plans?|models?|replacements?|confirmation|fees?|invoices?|promo(?:tion)?s?|codes?|"
    r"coupons?|carts?|baskets?)\b"
)
_COPULA_RX = re.compile(
    r"\b(?:is|are|was|were|'s|'re|shows?|contains?|includes?|costs?|comes? "
    r"to|totals?|remains?|posts?|arrives?|ships?|"
    r"expires?|expired|qualifies|needs|requires|takes?|runs?|starts?|ends?|goes|renews?|begins?|"
    r"applies|lasts?|covers?|"
    r"stays?|went|came|arrived|left|ran|works|is valid|only works)\b"
)
_FUTURE_RX = re.compile(
    r"\b(?:will|'ll|should|is going to|are going to|'s going to|can expect to)\s+"
    r"(?:(?:now|then|also|automatically|soon|shortly|usually|typically|be able to)\s+)*"
    r"(?:arrive|reach|appear|show up|post|ship|be (?!(?:happy|glad|able|more than "
    r"happy|delighted|pleased|assisting|helping|right)\b)[a-z]+|"
    r"receive|get|see|take|hear|contact|reach out|follow up|expire|land|come|go "
    r"(?:out|back|through)|process|refund|"
    r"credit|update|reflect|email|send|notify|call|deliver)\b"
    r"|\b(?:takes?|take up to|within|in|up to) (?:\d+(?:[-\u2013]\d+)?|one|two|three|a few|a "
    r"couple of) (?:business |working )?(?:days?|hours?|minutes?|weeks?)\b"
)
_SELF_FUTURE_RX = re.compile(
    r"\b(?:(?:i|we)(?:'ll| will| am going to|'m going to| are going to|'re going to| can now)|let "
    r"me|i'm (?:now |currently |just )?[a-z]+ing)\b"
    r"(?! need (?:your|the|a|an|you|some)\b| be happy\b| be glad\b| know\b)"
)
_NOTFOUND_RX = re.compile(
    r"\b(?:(?:doesn't|does not|don't|do not|didn't|did not) (?:match|exist|appear|show up)|"
    r"no (?:matching |such )?(?:records?|orders?|accounts?|matche?s?|results?)(?: "
    r"(?:found|for|under|with|on))?|not found|"
    r"(?:isn't|is not|aren't|are not) (?:in|on) (?:our|the) (?:system|records|file))\b"
)
_GROUND_HINT_RX = re.compile(
    r"#?\b[a-z]{1,6}-?\d{3,}|[$\u20ac\u00a3]\s?\d|\d{4}-\d{2}-\d{2}|\b\d{1,2}/\d{1,2}/\d{4}|@|"
    r"\b\d+ (?:items?|units?)\b"
)
_WHICH_ONE_RX = re.compile(
    r"\b(?:which|what) (?:one|of (?:these|those|them|the two|the following|your orders))\b|\bwhich "
    r"would you\b|\beither\b"
)

_MARKER_TABLE: tuple[tuple[str, _Gated], ...] = tuple(
    (kind, _Gated(rx))
    for kind, rx in (
        ("greet", _GREET_ANY_RX),
        ("thank", _THANK_RX),
        ("apologize", _APOLOGY_RX),
        ("bye", _BYE_RX),
        ("ask_more", _ASK_MORE_RX),
        ("wait", _WAIT_RX),
        ("transfer", _TRANSFER_RX),
        ("confirm", _CONFIRM_STRONG_RX),
        ("confirm_weak", _CONFIRM_WEAK_RX),
        ("want", _WANT_RX),
        ("offer", _OFFER_RX),
        ("refuse", _REFUSE_RX),
    )
)
# Clause-level evidence patterns, gated per message.
_EVIDENCE: dict[str, _Gated] = {
    name: _Gated(rx)
    for name, rx in (
        ("done", _DONE_RX),
        ("status", _STATUS_RX),
        ("state", _STATE_RX),
        ("future", _FUTURE_RX),
        ("self_future", _SELF_FUTURE_RX),
        ("notfound", _NOTFOUND_RX),
        ("entity", _ENTITY_RX),
        ("copula", _COPULA_RX),
        ("imp_any", _IMP_ANY_RX),
        ("please", _PLEASE_RX),
        ("which_one", _WHICH_ONE_RX),
    )
}
