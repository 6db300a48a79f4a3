package dev.kvasir.eval.task.longbench;

import dev.kvasir.eval.metrics.ClassificationScore;
import dev.kvasir.eval.metrics.CodeSimilarity;
import dev.kvasir.eval.metrics.CountScore;
import dev.kvasir.eval.metrics.QaF1;
import dev.kvasir.eval.metrics.RetrievalScore;
import dev.kvasir.eval.metrics.RougeL;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * LongBench (v1) per-dataset settings, transcribed from the official repository's
 * config/dataset2prompt.json, config/dataset2maxlen.json and eval.py (dataset2metric), as also
 * used by KVCache-Factory's run_longbench.py.
 *
 * <p>The prompts are kept exactly, typos included ("asconcisely" in narrativeqa, the space
 * before the newline in multi_news and lcc): published scores were produced with them.
 */
public final class LongBenchDatasets {
    private LongBenchDatasets() {}

    /** One dataset's prompt template (with {@code {context}} and {@code {input}}), generation limit and metric. */
    public record Spec(String dataset, String template, int maxNewTokens, String metric) {}

    private static final Map<String, Spec> SPECS = new LinkedHashMap<>();

    /** Datasets pred.py does not wrap in the chat template (few-shot / completion style). */
    public static final Set<String> NO_CHAT_TEMPLATE = Set.of("trec", "triviaqa", "samsum", "lsht", "lcc", "repobench-p");

    /** Datasets whose prediction is cut to its first line before scoring (eval.py). */
    public static final Set<String> FIRST_LINE = Set.of("trec", "triviaqa", "samsum", "lsht");

    /** Datasets where generation also stops at a newline (pred.py, samsum: the model otherwise repeats "\nDialogue"). */
    public static final Set<String> STOP_AT_NEWLINE = Set.of("samsum");

    /** The 16 English datasets of the LongBench paper's averages, in the paper's order. */
    public static final List<String> ENGLISH = List.of("narrativeqa", "qasper", "multifieldqa_en", "hotpotqa", "2wikimqa",
            "musique", "gov_report", "qmsum", "multi_news", "trec", "triviaqa", "samsum", "passage_count",
            "passage_retrieval_en", "lcc", "repobench-p");

    private static final String QA_PASSAGES = "Answer the question based on the given passages. Only give me the answer and do not output any other words.\n\n"
            + "The following are given passages.\n{context}\n\n"
            + "Answer the question based on the given passages. Only give me the answer and do not output any other words.\n\n"
            + "Question: {input}\nAnswer:";

    static {
        put("narrativeqa", "You are given a story, which can be either a novel or a movie script, and a question. Answer the question asconcisely as you can, using a single phrase if possible. Do not provide any explanation.\n\nStory: {context}\n\nNow, answer the question based on the story asconcisely as you can, using a single phrase if possible. Do not provide any explanation.\n\nQuestion: {input}\n\nAnswer:",
                128, QaF1.NAME);
        put("qasper", "You are given a scientific article and a question. Answer the question as concisely as you can, using a single phrase or sentence if possible. If the question cannot be answered based on the information in the article, write \"unanswerable\". If the question is a yes/no question, answer \"yes\", \"no\", or \"unanswerable\". Do not provide any explanation.\n\nArticle: {context}\n\n Answer the question based on the above article as concisely as you can, using a single phrase or sentence if possible. If the question cannot be answered based on the information in the article, write \"unanswerable\". If the question is a yes/no question, answer \"yes\", \"no\", or \"unanswerable\". Do not provide any explanation.\n\nQuestion: {input}\n\nAnswer:",
                128, QaF1.NAME);
        put("multifieldqa_en", "Read the following text and answer briefly.\n\n{context}\n\nNow, answer the following question based on the above text, only give me the answer and do not output any other words.\n\nQuestion: {input}\nAnswer:",
                64, QaF1.NAME);
        put("multifieldqa_zh", "阅读以下文字并用中文简短回答：\n\n{context}\n\n现在请基于上面的文章回答下面的问题，只告诉我答案，不要输出任何其他字词。\n\n问题：{input}\n回答：",
                64, "qa_f1_zh_score");
        put("hotpotqa", QA_PASSAGES, 32, QaF1.NAME);
        put("2wikimqa", QA_PASSAGES, 32, QaF1.NAME);
        put("musique", QA_PASSAGES, 32, QaF1.NAME);
        put("dureader", "请基于给定的文章回答下述问题。\n\n文章：{context}\n\n请基于上述文章回答下面的问题。\n\n问题：{input}\n回答：",
                128, "rouge_zh_score");
        put("gov_report", "You are given a report by a government agency. Write a one-page summary of the report.\n\nReport:\n{context}\n\nNow, write a one-page summary of the report.\n\nSummary:",
                512, RougeL.NAME);
        put("qmsum", "You are given a meeting transcript and a query containing a question or instruction. Answer the query in one or more sentences.\n\nTranscript:\n{context}\n\nNow, answer the query based on the above meeting transcript in one or more sentences.\n\nQuery: {input}\nAnswer:",
                512, RougeL.NAME);
        put("multi_news", "You are given several news passages. Write a one-page summary of all news. \n\nNews:\n{context}\n\nNow, write a one-page summary of all the news.\n\nSummary:",
                512, RougeL.NAME);
        put("vcsum", "下面有一段会议记录，请你阅读后，写一段总结，总结会议的内容。\n会议记录：\n{context}\n\n会议总结：",
                512, "rouge_zh_score");
        put("trec", "Please determine the type of the question below. Here are some examples of questions.\n\n{context}\n{input}",
                64, ClassificationScore.NAME);
        put("triviaqa", "Answer the question based on the given passage. Only give me the answer and do not output any other words. The following are some examples.\n\n{context}\n\n{input}",
                32, QaF1.NAME);
        put("samsum", "Summarize the dialogue into a few short sentences. The following are some examples.\n\n{context}\n\n{input}",
                128, RougeL.NAME);
        put("lsht", "请判断给定新闻的类别，下面是一些例子。\n\n{context}\n{input}",
                64, ClassificationScore.NAME);
        put("passage_count", "There are some paragraphs below sourced from Wikipedia. Some of them may be duplicates. Please carefully read these paragraphs and determine how many unique paragraphs there are after removing duplicates. In other words, how many non-repeating paragraphs are there in total?\n\n{context}\n\nPlease enter the final count of unique paragraphs after removing duplicates. The output format should only contain the number, such as 1, 2, 3, and so on.\n\nThe final answer is: ",
                32, CountScore.NAME);
        put("passage_retrieval_en", "Here are 30 paragraphs from Wikipedia, along with an abstract. Please determine which paragraph the abstract is from.\n\n{context}\n\nThe following is an abstract.\n\n{input}\n\nPlease enter the number of the paragraph that the abstract is from. The answer format must be like \"Paragraph 1\", \"Paragraph 2\", etc.\n\nThe answer is: ",
                32, RetrievalScore.NAME);
        put("passage_retrieval_zh", "以下是若干段落文字，以及其中一个段落的摘要。请确定给定的摘要出自哪一段。\n\n{context}\n\n下面是一个摘要\n\n{input}\n\n请输入摘要所属段落的编号。答案格式必须是\"段落1\"，\"段落2\"等格式\n\n答案是：",
                32, RetrievalScore.NAME_ZH);
        put("lcc", "Please complete the code given below. \n{context}Next line of code:\n",
                64, CodeSimilarity.NAME);
        put("repobench-p", "Please complete the code given below. \n{context}{input}Next line of code:\n",
                64, CodeSimilarity.NAME);
    }

    private static void put(String dataset, String template, int maxNewTokens, String metric) {
        SPECS.put(dataset, new Spec(dataset, template, maxNewTokens, metric));
    }

    /** All datasets known (21, English and Chinese). */
    public static Set<String> names() {
        return SPECS.keySet();
    }

    /** The spec of a dataset; LongBench-E names ({@code hotpotqa_e}) map to their base dataset. */
    public static Spec spec(String dataset) {
        String base = dataset.endsWith("_e") ? dataset.substring(0, dataset.length() - 2) : dataset;
        Spec s = SPECS.get(base);
        if (s == null) throw new IllegalArgumentException("unknown LongBench dataset '" + dataset + "'; known: " + SPECS.keySet());
        return s;
    }
}
